package io.consolidb.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * OpenTelemetry tracing: on only when an OTLP endpoint is configured ({@code otlpEndpoint}, the
 * collector's base URL; spans are posted to {@code <endpoint>/v1/traces} over HTTP); the share of
 * new traces recorded ({@code sampleRatio}, 0 to 1; a caller's sampled {@code traceparent} is
 * always honoured); the service name spans carry.
 */
public record TracingSettings(String otlpEndpoint, double sampleRatio, String serviceName) {

  static TracingSettings fromJson(ConfigSection tracing) {
    String endpoint = tracing.string("otlpEndpoint", "").strip();
    if (!endpoint.isEmpty()) {
      try {
        URI uri = new URI(endpoint);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
            || uri.getUserInfo() != null || uri.getQuery() != null) {
          throw tracing.invalid("otlpEndpoint", endpoint, "must be an http(s) URL such as http://collector:4318");
        }
      } catch (URISyntaxException e) {
        throw tracing.invalid("otlpEndpoint", endpoint, "must be an http(s) URL such as http://collector:4318");
      }
    }
    String service = tracing.string("serviceName", "consolidb").strip();
    if (service.isEmpty()) {
      throw tracing.invalid("serviceName", service, "must not be empty");
    }
    return new TracingSettings(endpoint, tracing.fraction("sampleRatio", 0.1), service);
  }

  /** Whether spans are recorded and exported at all. */
  public boolean enabled() {
    return !otlpEndpoint.isEmpty();
  }

  /** Where the OTLP/HTTP exporter posts spans. */
  public String tracesUrl() {
    return otlpEndpoint.endsWith("/") ? otlpEndpoint + "v1/traces" : otlpEndpoint + "/v1/traces";
  }
}
