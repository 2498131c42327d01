package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.TracingSettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the redactor leaves of URLs and SQL, and what the sampler keeps. */
class SpanRedactorTest {

  @Test
  void queryStrings_keepOnlyTheirNames() {
    assertThat(SpanRedactor.names("lat=40.7&lng=-73.9&radius_km=3")).isEqualTo("lat=?&lng=?&radius_km=?");
    assertThat(SpanRedactor.names("q=kosher%20pizza&flag&&x=")).isEqualTo("q=?&flag&x=?");
    assertThat(SpanRedactor.names("")).isEmpty();
  }

  @Test
  void spans_haveValuesRemovedBeforeExport() {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk = Tracing.sdk(new TracingSettings("http://unused:4318", 1.0, "t"),
        SimpleSpanProcessor.create(exported))) {
      Tracer tracer = sdk.getTracer("test");
      tracer.spanBuilder("GET").setSpanKind(SpanKind.SERVER)
          .setAttribute("url.path", "/api/v1/restaurants/search")
          .setAttribute("url.query", "q=private+words&limit=5")
          .setAttribute("http.url", "http://node:8080/api/v1/restaurants/search?q=private+words&limit=5")
          .setAttribute("url.full", "http://node:8080/a?email=a%40b.example")
          .startSpan().end();
      tracer.spanBuilder("Query").setSpanKind(SpanKind.CLIENT)
          .setAttribute("db.query.text", "SELECT * FROM t WHERE a = $1 AND b = 'it''s secret' AND c = 3")
          .setAttribute("db.statement", "SELECT 'x'")
          .startSpan().end();
      List<SpanData> spans = exported.getFinishedSpanItems();
      Attributes server = spans.get(0).getAttributes();
      assertThat(server.get(AttributeKey.stringKey("url.query"))).isEqualTo("q=?&limit=?");
      assertThat(server.get(AttributeKey.stringKey("http.url")))
          .isEqualTo("http://node:8080/api/v1/restaurants/search?q=?&limit=?");
      assertThat(server.get(AttributeKey.stringKey("url.full"))).isEqualTo("http://node:8080/a?email=?");
      Attributes query = spans.get(1).getAttributes();
      assertThat(query.get(AttributeKey.stringKey("db.query.text")))
          .isEqualTo("SELECT * FROM t WHERE a = $1 AND b = ? AND c = 3");
      assertThat(query.get(AttributeKey.stringKey("db.statement"))).isEqualTo("SELECT ?");
    }
  }

  @Test
  void sampler_dropsProbes_keepsTheCallersDecision_andSamplesTheRatio() {
    NodeSampler none = new NodeSampler(0.0);
    NodeSampler all = new NodeSampler(1.0);
    Attributes probe = Attributes.of(AttributeKey.stringKey("url.path"), "/health/ready");
    Attributes scrape = Attributes.of(AttributeKey.stringKey("url.path"), "/metrics");
    Attributes api = Attributes.of(AttributeKey.stringKey("url.path"), "/api/v1/restaurants/1");
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    assertThat(all.shouldSample(Context.root(), trace, "GET", SpanKind.SERVER, probe, List.of()).getDecision())
        .isEqualTo(SamplingDecision.DROP);
    assertThat(all.shouldSample(Context.root(), trace, "GET", SpanKind.SERVER, scrape, List.of()).getDecision())
        .isEqualTo(SamplingDecision.DROP);
    assertThat(all.shouldSample(Context.root(), trace, "GET", SpanKind.SERVER, api, List.of()).getDecision())
        .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(none.shouldSample(Context.root(), trace, "GET", SpanKind.SERVER, api, List.of()).getDecision())
        .isEqualTo(SamplingDecision.DROP);
    // a sampled parent is followed even at ratio 0
    Context sampledParent = Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
        trace, "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault())));
    assertThat(none.shouldSample(sampledParent, trace, "GET", SpanKind.SERVER, api, List.of()).getDecision())
        .isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(none.getDescription()).contains("0.0");
  }
}
