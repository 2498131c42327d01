package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tracing settings: off by default, on with an endpoint, and what is refused. */
class TracingSettingsTest {

  private static TracingSettings load(String... pairs) {
    return TestSettings.load(pairs).tracing();
  }

  @Test
  void default_offAtATenthWhenOn() {
    TracingSettings tracing = load();
    assertThat(tracing.enabled()).isFalse();
    assertThat(tracing.sampleRatio()).isEqualTo(0.1);
    assertThat(tracing.serviceName()).isEqualTo("consolidb");
  }

  @Test
  void endpoint_turnsItOn_andSpansGoToV1Traces() {
    TracingSettings tracing = load("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
        "TRACING_SAMPLE_RATIO", "1", "OTEL_SERVICE_NAME", "consolidb-eu");
    assertThat(tracing.enabled()).isTrue();
    assertThat(tracing.tracesUrl()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(load("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example.com/otlp/").tracesUrl())
        .isEqualTo("https://collector.example.com/otlp/v1/traces");
    assertThat(tracing.sampleRatio()).isEqualTo(1.0);
    assertThat(load("TRACING_SAMPLE_RATIO", "0").sampleRatio()).isZero();
    assertThat(tracing.serviceName()).isEqualTo("consolidb-eu");
  }

  @Test
  void refused_badEndpointsRatiosAndAnEmptyName() {
    for (String endpoint : new String[] {"collector:4318", "grpc://collector:4317", "http://user:pw@collector:4318",
        "http://collector:4318?x=1", "http://"}) {
      assertThatThrownBy(() -> load("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)).as(endpoint)
          .isInstanceOf(InvalidConfigException.class).hasMessageContaining("tracing.otlpEndpoint")
          .hasMessageContaining("OTEL_EXPORTER_OTLP_ENDPOINT").hasMessageContaining("http(s) URL");
    }
    for (String ratio : new String[] {"-0.01", "1.01"}) {
      assertThatThrownBy(() -> load("TRACING_SAMPLE_RATIO", ratio)).isInstanceOf(InvalidConfigException.class)
          .hasMessageContaining("tracing.sampleRatio").hasMessageContaining("from 0 to 1");
    }
    assertThatThrownBy(() -> load("OTEL_SERVICE_NAME", " ")).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("tracing.serviceName");
  }
}
