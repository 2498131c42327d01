package io.consolidb.metrics;

import io.consolidb.Addresses;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node with metrics on (or off), deployed as {@code consolidb run} deploys it (query, metrics,
 * restaurants, HTTP; the schema comes from {@link TestNode}), with a web client pointed at it.
 * Each instance has its own Vert.x, hence a fresh registry.
 */
final class MeteredNode implements AutoCloseable {

  static final String ADMIN_TOKEN = "test-admin-token-91c2";

  final Vertx vertx;
  final int port;
  final WebClient web;
  final QueryClient queries;

  private final ConsolidbNode node;

  private MeteredNode(ConsolidbNode node, int port) {
    this.node = node;
    this.vertx = node.vertx();
    this.port = port;
    this.web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.queries = new QueryClient(vertx, 5_000, node.cache());
  }

  /** The node's config: {@code schema}'s settings with the admin token and {@code overrides} merged in. */
  static JsonObject config(TestNode schema, int port, JsonObject overrides) {
    JsonObject config = schema.config(port, "");
    config.getJsonObject("http").put("adminToken", ADMIN_TOKEN);
    return config.mergeIn(overrides, true);
  }

  static MeteredNode start(TestNode schema, JsonObject overrides, Set<Component> components) {
    int port = TestNode.freePort();
    JsonObject config = config(schema, port, overrides);
    try {
      return new MeteredNode(ConsolidbNode.start(NodeSettings.fromJson(config), components)
          .await(30, TimeUnit.SECONDS), port);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  MeterRegistry registry() {
    return node.registry();
  }

  /** GET on the HTTP port with the admin token, which holds the metrics scope ({@code ADMIN_TOKEN}). */
  HttpResponse<Buffer> get(String path) {
    return get(port, path, ADMIN_TOKEN);
  }

  HttpResponse<Buffer> get(int port, String path, String bearer) {
    var request = web.get(port, "127.0.0.1", path);
    if (bearer != null) {
      request.putHeader("Authorization", "Bearer " + bearer);
    }
    try {
      return request.send().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(path + ": " + e, e);
    }
  }

  String scrape() {
    HttpResponse<Buffer> response = get("/metrics");
    if (response.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + response.statusCode());
    }
    return response.bodyAsString();
  }

  JsonObject summary() {
    try {
      return vertx.eventBus().<JsonObject>request(Addresses.METRICS_SUMMARY, new JsonObject()).await(10, TimeUnit.SECONDS)
          .body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every series in a scrape: {@code name{labels}} lines, comments left out. */
  static Set<String> series(String scrape) {
    Set<String> series = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        series.add(space > 0 ? line.substring(0, space) : line);
      }
    }
    return series;
  }

  /** Metric names (without labels) in a scrape. */
  static Set<String> names(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String s : series(scrape)) {
      int brace = s.indexOf('{');
      names.add(brace > 0 ? s.substring(0, brace) : s);
    }
    return names;
  }

  /** The value of the one series that starts with {@code prefix} (name and labels as Prometheus prints them). */
  static double value(String scrape, String name, String... labels) {
    double total = Double.NaN;
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(scrape);
    while (m.find()) {
      String labelText = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) {
        all &= labelText.contains(label);
      }
      if (all) {
        double v = Double.parseDouble(m.group(2));
        total = Double.isNaN(total) ? v : total + v;
      }
    }
    return total;
  }

  @Override
  public void close() throws Exception {
    node.stop().await(30, TimeUnit.SECONDS);
  }
}
