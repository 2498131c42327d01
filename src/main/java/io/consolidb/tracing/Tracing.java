package io.consolidb.tracing;

import io.consolidb.config.TracingSettings;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.tracing.TracingPolicy;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * OpenTelemetry for a node, through vertx-opentelemetry: Vert.x itself records the HTTP request,
 * each event-bus hop (the W3C context rides in the message headers, between nodes too), each SQL
 * statement and Redis command; consolidb adds the service call ({@code InProcessServices}) and the
 * cache tiers ({@code NodeCache}) with {@link #tracer}. Spans go to an OTLP/HTTP collector in
 * batches; {@link SpanRedactor} keeps parameter values out of them, {@link NodeSampler} decides
 * which traces are kept.
 */
public final class Tracing {

  /** The instrumentation scope of consolidb's own spans. */
  public static final String SCOPE = "io.consolidb";

  /**
   * The prefix of the trace headers {@link #carryTrace} writes: under their own names, or Vert.x
   * would read them on the receiving side and open the span pair this avoids.
   */
  private static final String CARRIED = "consolidb-";
  private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap carrier) {
      return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
      return carrier == null ? null : carrier.get(CARRIED + key);
    }
  };

  /** Spans a thread collects before it exports them itself ({@link SpanBatches}); measured in docs/BENCHMARKS.md. */
  private static final int BATCH_SPANS = 128;
  /** Spans waiting at most: beyond, new ones are dropped (a collector that cannot keep up costs no memory). */
  private static final int MAX_QUEUED_SPANS = 8192;
  private static final int MAX_BATCHES_IN_FLIGHT = 4;
  /** How long a span waits at most for its batch to fill. */
  private static final long FLUSH_MS = 1000;

  private static final Map<Vertx, OpenTelemetrySdk> BY_VERTX = Collections.synchronizedMap(new WeakHashMap<>());
  /**
   * What an SDK built before its Vert.x exists ({@link #sdk}) needs from that Vert.x once
   * {@link #register} gives it: the sender's HTTP client and the batches' flush timer.
   */
  private static final Map<OpenTelemetrySdk, Consumer<Vertx>> UNBOUND = Collections.synchronizedMap(new WeakHashMap<>());

  private Tracing() {
  }

  /**
   * The SDK that exports to the configured collector (tracing must be enabled); its batches go out
   * on the Vert.x that {@link #register} gives it ({@link VertxSpanSender}), sent by the threads that
   * end the spans ({@link SpanBatches}); spans it had to drop are counted in {@code registry}.
   */
  public static OpenTelemetrySdk sdk(TracingSettings settings, MeterRegistry registry) {
    VertxSpanSender[] sender = new VertxSpanSender[1];
    OtlpHttpSpanExporter exporter = VertxSpanSender.exporter(created -> sender[0] = created)
        .setEndpoint(settings.tracesUrl())
        .setTimeout(Duration.ofSeconds(5)) // a collector that hangs costs a batch, never a request
        .setMemoryMode(MemoryMode.IMMUTABLE_DATA) // batches may be marshalled on several threads at once
        .build();
    SpanBatches batches = new SpanBatches(exporter, BATCH_SPANS, MAX_QUEUED_SPANS, MAX_BATCHES_IN_FLIGHT, FLUSH_MS);
    FunctionCounter.builder("consolidb.tracing.spans.dropped", batches, SpanBatches::dropped)
        .description("spans dropped because the collector did not keep up").register(registry);
    OpenTelemetrySdk sdk = sdk(settings, batches);
    UNBOUND.put(sdk, vertx -> {
      sender[0].bind(vertx);
      batches.bind(vertx);
    });
    return sdk;
  }

  /** An SDK with the node's sampling and redaction whose finished spans go to {@code export}. */
  public static OpenTelemetrySdk sdk(TracingSettings settings, SpanProcessor export) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), settings.serviceName()))))
        .setSampler(new NodeSampler(settings.sampleRatio()))
        .addSpanProcessor(SpanProcessor.composite(new SpanRedactor(), export))
        .build();
    // without propagators Vert.x neither reads traceparent nor carries context over the event bus
    return OpenTelemetrySdk.builder()
        .setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  /** {@code builder} with Vert.x's tracer over {@code sdk}, SQL statements recorded by {@link StatementSpans}. */
  public static VertxBuilder traced(VertxBuilder builder, OpenTelemetry sdk) {
    return builder.withTracer(StatementSpans.factory(sdk));
  }

  /** Makes {@code sdk} the one {@link #tracer} gives for {@code vertx}; its batches go out on {@code vertx}. */
  public static void register(Vertx vertx, OpenTelemetrySdk sdk) {
    BY_VERTX.put(vertx, sdk);
    Consumer<Vertx> binding = UNBOUND.remove(sdk);
    if (binding != null) {
      binding.accept(vertx);
    }
  }

  /**
   * Sends what is queued on {@code vertx}'s SDK, if any, while that Vert.x can still send it:
   * before it closes. Completes within 10 s whatever the collector does.
   */
  public static Future<Void> flush(Vertx vertx) {
    OpenTelemetrySdk sdk = BY_VERTX.get(vertx);
    if (sdk == null) {
      return Future.succeededFuture();
    }
    Promise<Void> flushed = Promise.promise();
    sdk.getSdkTracerProvider().forceFlush().whenComplete(() -> flushed.tryComplete());
    return flushed.future().timeout(10, TimeUnit.SECONDS).recover(e -> Future.succeededFuture());
  }

  /** consolidb's tracer on {@code vertx}, or null when that Vert.x does not trace. */
  public static Tracer tracer(Vertx vertx) {
    OpenTelemetrySdk sdk = BY_VERTX.get(vertx);
    return sdk == null ? null : sdk.getTracer(SCOPE);
  }

  /**
   * Runs {@code work} with {@code span} current for all of it, its callbacks included, and
   * answers on the caller's context. Why: OpenTelemetry's current span lives on the Vert.x
   * context, and a scope closed when {@code work} returns would leave the Redis command or
   * event-bus hop it starts later parented to the request instead of {@code span}. The work runs
   * on a copy of the caller's context (same event loop, same request id) that belongs to the span.
   */
  public static <T> Future<T> within(Span span, Supplier<Future<T>> work) {
    ContextInternal caller = ContextInternal.current();
    if (!span.isRecording()) {
      // a trace not sampled records nothing below: no context of its own needed
      return work.get();
    }
    if (caller == null) {
      try (Scope scope = span.makeCurrent()) {
        return work.get();
      }
    }
    ContextInternal own = caller.duplicate(true);
    PromiseInternal<T> answer = caller.promise();
    own.dispatch(v -> {
      // not closed on purpose: this context is the span's alone and ends with the work
      span.makeCurrent();
      Future<T> result;
      try {
        result = work.get();
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onComplete(answer);
    });
    return answer.future();
  }

  /**
   * A hop Vert.x should not trace (no span pair for it): the caller's trace context, when it is
   * recorded, rides in a {@code traceparent} header of its own for {@link #continueTrace}.
   */
  public static DeliveryOptions carryTrace(DeliveryOptions options) {
    options.setTracingPolicy(TracingPolicy.IGNORE);
    Span caller = Span.current();
    if (caller.isRecording()) {
      W3CTraceContextPropagator.getInstance().inject(io.opentelemetry.context.Context.current(), options,
          (carrier, key, value) -> carrier.addHeader(CARRIED + key, value));
    }
    return options;
  }

  /**
   * The current OpenTelemetry context when its span records (the trace is sampled), else null: what
   * an in-process hop carries instead of the W3C headers of {@link #carryTrace}, for the same reason
   * (an unsampled caller's statements start no span).
   */
  public static io.opentelemetry.context.Context sampledContext() {
    return Span.current().isRecording() ? io.opentelemetry.context.Context.current() : null;
  }

  /**
   * On the receiving side of {@link #carryTrace}: makes the sender's trace current on the
   * message's own context, so the statements it runs are spans of that trace.
   */
  public static void continueTrace(Message<?> message) {
    String traceparent = message.headers().get(CARRIED + "traceparent");
    if (traceparent == null || ContextInternal.current() == null) {
      return;
    }
    io.opentelemetry.context.Context sender = W3CTraceContextPropagator.getInstance()
        .extract(io.opentelemetry.context.Context.root(), message.headers(), HEADERS);
    // not closed on purpose: the context is this message's alone
    sender.makeCurrent();
  }

  /** Exports what is still queued and closes the exporter of {@code vertx}'s SDK, if any. */
  public static void shutdown(Vertx vertx) {
    OpenTelemetrySdk sdk = BY_VERTX.remove(vertx);
    if (sdk != null) {
      sdk.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}
