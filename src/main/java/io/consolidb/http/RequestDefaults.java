package io.consolidb.http;

import io.consolidb.tracing.RequestId;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

/**
 * The first handler of every request: gives it its id ({@link RequestId}: the client's
 * {@code X-Request-Id}, else the trace id of the request's span when the node traces, else its
 * {@code traceparent}'s trace id, else a new one), echoed in the answer,
 * and the headers every answer carries unless a route says otherwise: {@code Cache-Control:
 * no-store} (reads replace it, see {@link ReadCaching}) and {@code Vary: Accept-Encoding} when
 * answers may be compressed.
 */
final class RequestDefaults {

  /** Routing-context key of the request's id. */
  static final String REQUEST_ID = "consolidb.requestId";

  private final boolean compression;
  private final ReadCaching readCaching;

  RequestDefaults(boolean compression, ReadCaching readCaching) {
    this.compression = compression;
    this.readCaching = readCaching;
  }

  void handle(RoutingContext ctx) {
    Span server = Span.current(); // Vert.x's span of this request, when the node traces
    SpanContext trace = server.getSpanContext();
    String id = RequestId.of(ctx.request().getHeader(RequestId.HEADER), ctx.request().getHeader("traceparent"),
        trace.isValid() ? trace.getTraceId() : null);
    if (server.isRecording()) {
      ctx.addHeadersEndHandler(v -> describe(ctx, server));
    }
    ctx.put(REQUEST_ID, id);
    ctx.put(ReadCaching.KEY, readCaching);
    RequestId.bind(Vertx.currentContext(), id);
    HttpServerResponse response = ctx.response();
    response.putHeader(RequestId.HEADER, id).putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (compression) {
      response.putHeader(HttpHeaders.VARY, "Accept-Encoding");
    }
    ctx.next();
  }

  /**
   * Vert.x names the request's span after the method alone: add the route it matched, and mark
   * server errors as such.
   */
  private static void describe(RoutingContext ctx, Span server) {
    Route route = ctx.currentRoute();
    if (route != null && route.getPath() != null) {
      server.updateName(ctx.request().method().name() + " " + route.getPath());
      server.setAttribute("http.route", route.getPath());
    }
    if (ctx.response().getStatusCode() >= 500) {
      server.setStatus(StatusCode.ERROR);
    }
  }

  /** The id of the request {@code ctx} serves (null only before this handler ran). */
  static String requestId(RoutingContext ctx) {
    return ctx.get(REQUEST_ID);
  }
}
