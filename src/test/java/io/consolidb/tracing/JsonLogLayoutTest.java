package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.consolidb.config.TracingSettings;
import io.consolidb.testsupport.Await;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code LOG_FORMAT=json}: one object per line, with the request and trace it was written for. */
class JsonLogLayoutTest {

  private static LoggingEvent event(String message, Throwable thrown) {
    LoggerContext context = new LoggerContext();
    return new LoggingEvent("test", context.getLogger("io.consolidb.Example"), Level.WARN, message, thrown,
        new Object[0]);
  }

  @Test
  void outsideARequest_plainFields_messageEscaped_exceptionIncluded() {
    String text = new JsonLogLayout().doLayout(event("a \"quoted\"\nline", new IllegalStateException("boom")));
    assertThat(text).endsWith("\n").doesNotContain("\n{");
    JsonObject line = new JsonObject(text.strip());
    assertThat(line.getString("level")).isEqualTo("WARN");
    assertThat(line.getString("logger")).isEqualTo("io.consolidb.Example");
    assertThat(line.getString("message")).isEqualTo("a \"quoted\"\nline");
    assertThat(line.getString("time")).endsWith("Z");
    assertThat(line.getString("exception")).contains("IllegalStateException: boom");
    assertThat(line.fieldNames()).doesNotContain("request_id", "trace_id", "span_id");
  }

  @Test
  void duringATracedRequest_requestTraceAndSpanIds() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (OpenTelemetrySdk sdk = Tracing.sdk(new TracingSettings("http://unused:4318", 1.0, "t"),
        SimpleSpanProcessor.create(InMemorySpanExporter.create()))) {
      Span span = sdk.getTracer("test").spanBuilder("request").startSpan();
      Context request = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
      Promise<JsonObject> written = Promise.promise();
      request.runOnContext(v -> {
        RequestId.bind(request, "req-7");
        try (Scope scope = span.makeCurrent()) {
          written.complete(new JsonObject(new JsonLogLayout().doLayout(event("served", null)).strip()));
        }
      });
      JsonObject line = Await.result(written.future());
      assertThat(line.getString("request_id")).isEqualTo("req-7");
      assertThat(line.getString("trace_id")).isEqualTo(span.getSpanContext().getTraceId());
      assertThat(line.getString("span_id")).isEqualTo(span.getSpanContext().getSpanId());
      span.end();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
