package io.consolidb.config;

import io.vertx.core.json.JsonObject;

/**
 * The metrics section: whether the node records metrics ({@code DB_ENABLE_METRICS}) and where
 * {@code GET /metrics} is served: {@code port} 0 means on the HTTP API's port, any other value a
 * management server of its own on that port (bound to {@code http.host}).
 */
public record MetricsSettings(boolean enabled, int port) {

  /** Reads {@code metrics} from a node's settings JSON; throws {@link InvalidConfigException} naming a bad key. */
  public static MetricsSettings fromJson(JsonObject node) {
    ConfigSection metrics = ConfigSection.of(node, "metrics");
    int port = metrics.integer("port", 0, 0);
    if (port > 65535) {
      throw metrics.invalid("port", port, "must be between 0 and 65535");
    }
    return new MetricsSettings(metrics.bool("enabled", true), port);
  }

  /** Whether {@code /metrics} has a port of its own. */
  public boolean separatePort() {
    return port != 0;
  }
}
