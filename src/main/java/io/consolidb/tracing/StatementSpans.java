package io.consolidb.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.pgclient.PgException;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import io.vertx.tracing.opentelemetry.Operation;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Vert.x's OpenTelemetry tracer, except for SQL statements, whose span consolidb records itself.
 * Why: the statement span is most of what a sampled lookup costs to trace. Vert.x builds it
 * generically (an attribute set made from strings and sorted, then copied into the span; a W3C
 * header written for a database that never reads it); here the attribute keys are made once and
 * set straight on the span, which halves that span's cost (docs/BENCHMARKS.md). The span keeps
 * Vert.x's name, kind and attributes. A failed statement records its SQLSTATE and the error's
 * type, never its message: PostgreSQL quotes input values there ({@code invalid input syntax
 * for type integer: "…"}).
 *
 * <p>A statement started from another context than the current one (the caller's span is read
 * from that context) is started by Vert.x's tracer and ended here.
 */
final class StatementSpans implements VertxTracer<Object, Object> {

  /** Vert.x's name for a statement's span, and the instrumentation scope it uses. */
  static final String OPERATION = "Query";
  private static final String SCOPE = "io.vertx";
  private static final String QUERY_TEXT = "db.query.text";
  private static final AttributeKey<String> SQLSTATE = AttributeKey.stringKey("db.response.status_code");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final VertxTracer<Object, Object> vertx;
  private final Tracer tracer;
  /** The SQL client's tag extractor, once seen, and a key per tag (their names never change). */
  private volatile Keys keys;

  private StatementSpans(VertxTracer<Object, Object> vertx, Tracer tracer) {
    this.vertx = vertx;
    this.tracer = tracer;
  }

  /** A tracer factory for {@code sdk}: Vert.x's, with statement spans recorded here. */
  static VertxTracerFactory factory(OpenTelemetry sdk) {
    OpenTelemetryTracingFactory vertxFactory = new OpenTelemetryTracingFactory(sdk);
    return new VertxTracerFactory() {
      @Override
      @SuppressWarnings("unchecked")
      public VertxTracer<?, ?> tracer(TracingOptions options) {
        return new StatementSpans((VertxTracer<Object, Object>) vertxFactory.tracer(options), sdk.getTracer(SCOPE));
      }

      @Override
      public TracingOptions newOptions() {
        return vertxFactory.newOptions();
      }

      @Override
      public TracingOptions newOptions(JsonObject json) {
        return vertxFactory.newOptions(json);
      }
    };
  }

  @Override
  public <R> Object sendRequest(Context context, SpanKind kind, TracingPolicy policy, R request, String operation,
      BiConsumer<String, String> headers, TagExtractor<R> tags) {
    Keys known = keysOf(kind, operation, request, tags);
    if (known == null) {
      return vertx.sendRequest(context, kind, policy, request, operation, headers, tags);
    }
    if (context != ContextInternal.current()) {
      // Vert.x reads the caller's span from that context; its end is recorded here all the same
      Object started = vertx.sendRequest(context, kind, policy, request, operation, headers, tags);
      return started instanceof Operation vertxSpan ? new Statement(vertxSpan.span()) : started;
    }
    if (policy == TracingPolicy.IGNORE) {
      return null;
    }
    Span parent = Span.current();
    if (parent == Span.getInvalid() && policy != TracingPolicy.ALWAYS) {
      return null; // PROPAGATE without a caller's span: no trace to add to (Vert.x's rule)
    }
    SpanContext caller = parent.getSpanContext();
    if (caller.isValid() && !caller.isSampled()) {
      return null; // the sampler keeps the caller's decision: a span built here would be dropped
    }
    SpanBuilder span = tracer.spanBuilder(OPERATION).setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT);
    if (parent == Span.getInvalid()) {
      span.setNoParent();
    }
    for (int i = 0; i < known.keys.length; i++) {
      String value = tags.value(request, i);
      if (value != null) {
        span.setAttribute(known.keys[i], value);
      }
    }
    return new Statement(span.startSpan());
  }

  @Override
  public <R> void receiveResponse(Context context, R response, Object payload, Throwable failure,
      TagExtractor<R> tags) {
    if (!(payload instanceof Statement statement)) {
      vertx.receiveResponse(context, response, payload, failure, tags);
      return;
    }
    if (failure != null) {
      statement.span.setStatus(StatusCode.ERROR);
      statement.span.setAttribute(ERROR_TYPE, failure.getClass().getName());
      if (failure instanceof PgException pg && pg.getSqlState() != null) {
        statement.span.setAttribute(SQLSTATE, pg.getSqlState());
      }
    }
    statement.span.end();
  }

  @Override
  public <R> Object receiveRequest(Context context, SpanKind kind, TracingPolicy policy, R request, String operation,
      Iterable<Map.Entry<String, String>> headers, TagExtractor<R> tags) {
    return vertx.receiveRequest(context, kind, policy, request, operation, headers, tags);
  }

  @Override
  public <R> void sendResponse(Context context, R response, Object payload, Throwable failure, TagExtractor<R> tags) {
    vertx.sendResponse(context, response, payload, failure, tags);
  }

  @Override
  public void close() {
    vertx.close();
  }

  /** The keys of a SQL statement's tags, or null when {@code request} is not a statement. */
  private <R> Keys keysOf(SpanKind kind, String operation, R request, TagExtractor<R> tags) {
    Keys known = keys;
    if (known != null && known.extractor == tags) {
      return known;
    }
    if (kind != SpanKind.RPC || !OPERATION.equals(operation) || request == null) {
      return null;
    }
    int length = tags.len(request);
    @SuppressWarnings("unchecked")
    AttributeKey<String>[] made = new AttributeKey[length];
    boolean statement = false;
    for (int i = 0; i < length; i++) {
      made[i] = AttributeKey.stringKey(tags.name(request, i));
      statement |= QUERY_TEXT.equals(made[i].getKey());
    }
    if (!statement) {
      return null;
    }
    known = new Keys(tags, made);
    keys = known;
    return known;
  }

  private record Keys(TagExtractor<?> extractor, AttributeKey<String>[] keys) {
  }

  private record Statement(Span span) {
  }
}
