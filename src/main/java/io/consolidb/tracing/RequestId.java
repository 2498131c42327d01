package io.consolidb.tracing;

import io.opentelemetry.api.trace.Span;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.ContextLocal;
import io.vertx.serviceproxy.ServiceInterceptor;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The id of the request a piece of work belongs to, so every log line of one request can be found
 * ({@link RequestIdConverter}) and a client can quote it. It lives on the request's Vert.x
 * (duplicated) context, which follows the request through every callback on this node, and rides
 * the event bus as the {@value #BUS_HEADER} header to the node that serves a service call.
 *
 * <p>A Vert.x service provider only so the context local is registered before any Vert.x
 * instance exists, as Vert.x requires.
 */
public final class RequestId implements VertxServiceProvider {

  /** The HTTP header a client may send and every answer carries. */
  public static final String HEADER = "X-Request-Id";
  /** The event-bus header a service call carries it in. */
  public static final String BUS_HEADER = "x-request-id";

  static final ContextLocal<String> LOCAL = ContextLocal.registerLocal(String.class);

  /** What a client's id may be: short, printable, safe in a log line and a header. */
  private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
  /** W3C trace context: version-traceid-parentid-flags. */
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final String INSTALLED = "consolidb.requestId.installed";

  @Override
  public void init(VertxBootstrap builder) {
    // nothing: loading this class registered the context local
  }

  /** The id of the request being served on the calling thread's context, or null. */
  public static String current() {
    Context context = Vertx.currentContext();
    return context == null ? null : context.getLocal(LOCAL);
  }

  /**
   * Binds {@code id} to {@code context} when it is a request's own (duplicated) context; the
   * event loop's shared context is left alone, or the id would leak into other requests.
   */
  public static void bind(Context context, String id) {
    if (context instanceof ContextInternal internal && internal.isDuplicate()) {
      context.putLocal(LOCAL, id);
    }
  }

  /**
   * The id for an incoming request: the client's {@code X-Request-Id} when it is acceptable,
   * else the trace id of its W3C {@code traceparent}, else a new one.
   */
  public static String of(String requestIdHeader, String traceparent) {
    return of(requestIdHeader, traceparent, null);
  }

  /**
   * As {@link #of(String, String)}, with the trace id of the request's span (null when not
   * traced) before the {@code traceparent}: a traced request's log lines then carry its trace id.
   */
  public static String of(String requestIdHeader, String traceparent, String traceId) {
    if (requestIdHeader != null && ACCEPTED.matcher(requestIdHeader).matches()) {
      return requestIdHeader;
    }
    if (traceId != null) {
      return traceId;
    }
    if (traceparent != null) {
      var matcher = TRACEPARENT.matcher(traceparent.strip());
      if (matcher.matches() && !matcher.group(1).equals("0".repeat(32))) {
        return matcher.group(1);
      }
    }
    return create();
  }

  /** 128 random bits in hex, the shape of a W3C trace id. */
  static String create() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return hex(random.nextLong()) + hex(random.nextLong());
  }

  private static String hex(long value) {
    String text = Long.toHexString(value);
    return "0".repeat(16 - text.length()) + text;
  }

  /**
   * Carries the id of the current request on every message this Vert.x sends, once per Vert.x
   * instance however many nodes are deployed on it.
   */
  public static void propagateOverEventBus(Vertx vertx) {
    if (vertx.sharedData().getLocalMap(INSTALLED).putIfAbsent("bus", true) != null) {
      return;
    }
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      String id = current();
      if (id != null && !delivery.message().headers().contains(BUS_HEADER)) {
        delivery.message().headers().add(BUS_HEADER, id);
      }
      delivery.next();
    });
  }

  /**
   * Binds the id {@code message} carries to the context handling it: called first by a consumer
   * that serves requests (its context is a fresh one for each message).
   */
  public static void adopt(Message<?> message) {
    String id = message.headers().get(BUS_HEADER);
    if (id != null && ACCEPTED.matcher(id).matches()) {
      bind(Vertx.currentContext(), id);
    }
  }

  /**
   * For a service call that arrived over the event bus: binds the id it carries to the context
   * that serves it, and names the method on the span Vert.x opened for the hop (that span only
   * knows the address).
   */
  public static ServiceInterceptor serviceInterceptor() {
    return (Vertx vertx, Map<String, Object> interceptorContext, Message<JsonObject> message) -> {
      adopt(message);
      Span hop = Span.current();
      if (hop.isRecording()) {
        hop.setAttribute("rpc.system", "consolidb");
        hop.setAttribute("rpc.method", String.valueOf(message.headers().get("action")));
        hop.setAttribute("consolidb.hop", "event-bus");
      }
      return Future.succeededFuture(message);
    };
  }
}
