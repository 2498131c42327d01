package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.TracingSettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The statement spans consolidb records in place of Vert.x's, driven the way the SQL client
 * drives a tracer: started on the caller's context or from another thread, ended with or without
 * a failure; anything that is not a statement goes to Vert.x's tracer.
 */
class StatementSpansTest {

  private static final String SECRET = "input-3f9a";
  private static final List<String> NAMES = List.of("db.system", "db.namespace", "db.query.text");
  private static final List<String> VALUES = List.of("postgresql", "orders", "SELECT $1::int WHERE x = 'lit'");
  private static final TagExtractor<Object> STATEMENT = new TagExtractor<>() {
    @Override
    public int len(Object request) {
      return NAMES.size();
    }

    @Override
    public String name(Object request, int index) {
      return NAMES.get(index);
    }

    @Override
    public String value(Object request, int index) {
      return VALUES.get(index);
    }
  };

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private OpenTelemetrySdk sdk;
  private Vertx vertx;
  private VertxTracer<Object, Object> tracer;
  private ContextInternal caller;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void start() {
    sdk = Tracing.sdk(new TracingSettings("http://unused:4318", 1.0, "statements"), SimpleSpanProcessor.create(spans));
    vertx = Tracing.traced(Vertx.builder(), sdk).build();
    tracer = (VertxTracer<Object, Object>) StatementSpans.factory(sdk).tracer(new TracingOptions());
    caller = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    sdk.close();
  }

  /** Runs {@code work} on the caller's context with {@code parent} current there. */
  private <T> T onCaller(Span parent, Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    caller.runOnContext(v -> {
      parent.makeCurrent(); // not closed: the context is this test's alone
      result.complete(work.get());
    });
    return result.get(10, TimeUnit.SECONDS);
  }

  private Object start(TracingPolicy policy) {
    return tracer.sendRequest(caller, SpanKind.RPC, policy, new Object(), StatementSpans.OPERATION, (k, v) -> { },
        STATEMENT);
  }

  private SpanData onlySpan(String name) {
    List<SpanData> named = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).hasSize(1);
    return named.get(0);
  }

  @Test
  void onTheCallersContext_aChildSpanWithVertxsAttributes_literalsRedacted() throws Exception {
    Span parent = sdk.getTracer("test").spanBuilder("caller").startSpan();
    Object statement = onCaller(parent, () -> start(TracingPolicy.PROPAGATE));
    tracer.receiveResponse(caller, null, statement, null, TagExtractor.empty());

    SpanData span = onlySpan(StatementSpans.OPERATION);
    assertThat(span.getKind()).isEqualTo(io.opentelemetry.api.trace.SpanKind.CLIENT);
    assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(span.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(span.getAttributes().get(AttributeKey.stringKey("db.system"))).isEqualTo("postgresql");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("db.namespace"))).isEqualTo("orders");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("db.query.text"))).isEqualTo("SELECT $1::int WHERE x = ?");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void aFailure_recordsItsSqlStateAndType_neverItsMessage() throws Exception {
    Span parent = sdk.getTracer("test").spanBuilder("caller").startSpan();
    Object statement = onCaller(parent, () -> start(TracingPolicy.PROPAGATE));
    PgException failure = new PgException("invalid input syntax for type integer: \"" + SECRET + "\"", "ERROR",
        "22P02", null);
    tracer.receiveResponse(caller, null, statement, failure, TagExtractor.empty());

    SpanData span = onlySpan(StatementSpans.OPERATION);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("db.response.status_code"))).isEqualTo("22P02");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo(PgException.class.getName());
    assertThat(span.getEvents()).isEmpty();
    assertThat(span.toString()).doesNotContain(SECRET);
  }

  @Test
  void startedFromAnotherThread_vertxStartsIt_andTheFailureIsStillRecordedWithoutItsMessage() throws Exception {
    Span parent = sdk.getTracer("test").spanBuilder("caller").startSpan();
    onCaller(parent, () -> null);
    // this test's thread is not the caller's context: Vert.x reads the caller's span from it
    Object statement = start(TracingPolicy.PROPAGATE);
    tracer.receiveResponse(caller, null, statement, new IllegalStateException("closed, " + SECRET),
        TagExtractor.empty());

    SpanData span = onlySpan(StatementSpans.OPERATION);
    assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo(IllegalStateException.class.getName());
    assertThat(span.getAttributes().get(AttributeKey.stringKey("db.response.status_code"))).isNull();
    assertThat(span.toString()).doesNotContain(SECRET);
  }

  @Test
  void withoutACallersSpan_orIgnored_noSpan_unlessAlways() throws Exception {
    assertThat(onCaller(Span.getInvalid(), () -> start(TracingPolicy.PROPAGATE))).isNull();
    Span parent = sdk.getTracer("test").spanBuilder("caller").startSpan();
    assertThat(onCaller(parent, () -> start(TracingPolicy.IGNORE))).isNull();

    Object always = onCaller(Span.getInvalid(), () -> start(TracingPolicy.ALWAYS));
    tracer.receiveResponse(caller, null, always, null, TagExtractor.empty());
    SpanData root = onlySpan(StatementSpans.OPERATION);
    assertThat(root.getParentSpanContext().isValid()).isFalse();
  }

  @Test
  void underACallerNotSampled_noSpanIsBuilt_underASampledRemoteCaller_oneIs() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    Span unsampled = Span.wrap(SpanContext.createFromRemoteParent(traceId, "00f067aa0ba902b7",
        TraceFlags.getDefault(), TraceState.getDefault()));
    assertThat(onCaller(unsampled, () -> start(TracingPolicy.PROPAGATE))).isNull();

    Span sampled = Span.wrap(SpanContext.createFromRemoteParent(traceId, "00f067aa0ba902b8",
        TraceFlags.getSampled(), TraceState.getDefault()));
    Object statement = onCaller(sampled, () -> start(TracingPolicy.PROPAGATE));
    tracer.receiveResponse(caller, null, statement, null, TagExtractor.empty());
    SpanData span = onlySpan(StatementSpans.OPERATION);
    assertThat(span.getTraceId()).isEqualTo(traceId);
    assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b8");
  }

  @Test
  void notAStatement_goesToVertxsTracer() throws Exception {
    Span parent = sdk.getTracer("test").spanBuilder("caller").startSpan();
    Object send = onCaller(parent, () -> tracer.sendRequest(caller, SpanKind.RPC, TracingPolicy.PROPAGATE, new Object(),
        "GET", (k, v) -> { }, TagExtractor.empty()));
    tracer.receiveResponse(caller, null, send, new IllegalStateException("refused"), TagExtractor.empty());

    SpanData span = onlySpan("GET");
    assertThat(span.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    // Vert.x's own way: the exception as an event, no status of ours
    assertThat(span.getEvents()).anyMatch(event -> event.getName().equals("exception"));
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isNull();
  }
}
