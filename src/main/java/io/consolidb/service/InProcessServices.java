package io.consolidb.service;

import io.consolidb.cluster.CallerTokens;
import io.consolidb.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceInterceptor;
import io.vertx.serviceproxy.ServiceProxyBuilder;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Same-node calls to a service without the event bus: one instance per node, built by the node.
 * A service verticle binds its implementation here beside its event-bus registration; a client
 * made by {@link #inProcessOrProxy} calls that implementation directly, on the caller's thread,
 * while it is bound, and the event-bus proxy otherwise (another node serves it, or the service is
 * not deployed yet or any more).
 *
 * <p>Why: a call over the event bus to a verticle on another event loop costs two thread
 * hand-offs and a deep copy of the reply (the built-in JSON codec copies on local delivery), about
 * 35–60 µs on two cores. For a read served from the node-local cache that is nearly all the cost
 * (docs/BENCHMARKS.md). The service implementations are stateless apart from thread-safe
 * collaborators (the query client, the cache, meters), so any thread may call them.
 *
 * <p>What a caller sees is the event-bus contract, with one difference: results are not copied.
 * A {@code ServiceException} keeps its code, message and debug info; another failure arrives as
 * code -1 and an exception thrown by the method as code 500, as over the event bus. Results may
 * share cached values with other callers: treat them as read-only (copy before changing).
 */
public final class InProcessServices {

  private static final Logger LOG = LoggerFactory.getLogger(InProcessServices.class);
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  /** How the call reached the service: in-process, or event-bus (see RequestId's interceptor). */
  static final AttributeKey<String> HOP = AttributeKey.stringKey("consolidb.hop");

  /** Implementations bound on this node, by address; an implementation is compared by identity. */
  private final ConcurrentMap<String, Object> bound = new ConcurrentHashMap<>();
  /** What an event-bus call must pass before it reaches a service (the caller's token), or null. */
  private final ServiceInterceptor callerCheck;

  /** Services whose event-bus registrations take any caller (a standalone node, or a cluster without a secret). */
  public InProcessServices() {
    this(null);
  }

  /** @param callerCheck run first on every call that arrives over the event bus (null: none) */
  public InProcessServices(ServiceInterceptor callerCheck) {
    this.callerCheck = callerCheck;
  }

  /** The check every service's event-bus registration runs first, or null when callers are not checked. */
  ServiceInterceptor callerCheck() {
    return callerCheck;
  }

  /** Makes {@code implementation} reachable in-process on this node as the service at {@code address}. */
  public <T> void bind(String address, T implementation) {
    bound.put(address, Objects.requireNonNull(implementation));
  }

  /** Removes the binding of {@code implementation} (and only that one) from {@code address}. */
  public void unbind(String address, Object implementation) {
    bound.computeIfPresent(address, (a, current) -> current == implementation ? null : current);
  }

  /** The implementation bound at {@code address} on this node when it is a {@code type}, else null. */
  public <T> T boundAs(String address, Class<T> type) {
    Object implementation = bound.get(address);
    return type.isInstance(implementation) ? type.cast(implementation) : null;
  }

  /** True while a service is bound in-process at {@code address} on this node. */
  public boolean bound(String address) {
    return bound.containsKey(address);
  }

  /**
   * The one place a same-node caller picks its path: a {@code type} that calls the
   * implementation bound at {@code address} on this node, looked up at every call, and the
   * event-bus proxy ({@link #eventBusProxy}) when none is bound.
   */
  public <T> T inProcessOrProxy(Vertx vertx, Class<T> type, String address, long timeoutMs) {
    return inProcessOr(type, address, eventBusProxy(vertx, type, address, timeoutMs), Tracing.tracer(vertx));
  }

  /**
   * The generated event-bus proxy of {@code type} at {@code address}, each send bounded by
   * {@code timeoutMs}. A {@link ReadOnly} method is sent once more when the first send found no
   * handler, timed out (a member that died or froze: its connection failing does not fail the
   * send, only the timeout does) or failed on the wire; the event bus's round robin then picks the
   * next member. Other methods are never sent twice: a write whose reply was lost may have been
   * applied, and only its caller can decide (retry with the same data, or read first).
   */
  public static <T> T eventBusProxy(Vertx vertx, Class<T> type, String address, long timeoutMs) {
    return eventBusProxy(vertx, type, address, timeoutMs, null);
  }

  /**
   * As {@link #eventBusProxy(Vertx, Class, String, long)}, every call carrying {@code token}: how an
   * application that is not a member calls a secured cluster (docs/CLIENT.md). Null: no token (a
   * member's own Vert.x adds its member token itself).
   */
  public static <T> T eventBusProxy(Vertx vertx, Class<T> type, String address, long timeoutMs, String token) {
    // a generated proxy per send (a small object): each carries its own deadline (CallDeadline).
    // The builder looks the generated class and its constructor up on every build: once here.
    Constructor<?> generated = generatedProxy(vertx, type, address);
    Supplier<T> perCall = () -> {
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs)
          .addHeader(CallDeadline.HEADER, CallDeadline.at(timeoutMs));
      if (token != null) {
        options.addHeader(CallerTokens.HEADER, token);
      }
      try {
        return type.cast(generated.newInstance(vertx, address, options));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot build the event-bus proxy of " + type.getName(), e);
      }
    };
    return readsRetriedOnce(type, address, perCall);
  }

  /** The constructor {@code (Vertx, String, DeliveryOptions)} of the proxy vertx-codegen generated for {@code type}. */
  private static Constructor<?> generatedProxy(Vertx vertx, Class<?> type, String address) {
    Object sample = new ServiceProxyBuilder(vertx).setAddress(address).build(type);
    try {
      return sample.getClass().getConstructor(Vertx.class, String.class, DeliveryOptions.class);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("no generated event-bus proxy for " + type.getName(), e);
    }
  }

  static <T> T readsRetriedOnce(Class<T> type, String address, Supplier<T> proxies) {
    InvocationHandler handler = (self, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return objectMethod(self, method, args, type, address);
      }
      Object first = invoke(proxies.get(), method, args);
      if (!method.isAnnotationPresent(ReadOnly.class) || !(first instanceof Future<?> sent)) {
        return first;
      }
      return sent.map(Object.class::cast).recover(failure -> {
        if (!worthAnotherMember(failure)) {
          return Future.failedFuture(failure);
        }
        LOG.debug("{} {}: {} on the first member, sending once more", address, method.getName(), failure.getMessage());
        return resend(proxies.get(), method, args);
      });
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  /** Failures of the hop, not of the call: the service never answered, so another member may. */
  static boolean worthAnotherMember(Throwable failure) {
    return failure instanceof ReplyException reply && (reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.ERROR);
  }

  private static Future<Object> resend(Object proxy, Method method, Object[] args) {
    try {
      return ((Future<?>) invoke(proxy, method, args)).map(Object.class::cast);
    } catch (Throwable thrown) {
      return Future.failedFuture(thrown);
    }
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException thrown) {
      throw thrown.getCause(); // as a direct call on the generated proxy would
    }
  }

  <T> T inProcessOr(Class<T> type, String address, T eventBusProxy) {
    return inProcessOr(type, address, eventBusProxy, null);
  }

  /** @param tracer when not null, an in-process call is a span of its own (over the bus Vert.x makes them) */
  <T> T inProcessOr(Class<T> type, String address, T eventBusProxy, Tracer tracer) {
    // each method's span name and attributes, built once rather than on every call
    ConcurrentMap<Method, SpanShape> shapes = new ConcurrentHashMap<>();
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return objectMethod(proxy, method, args, type, address);
      }
      Object implementation = bound.get(address);
      if (implementation != null) {
        return tracer == null ? call(implementation, method, args)
            : traced(tracer, shapes.computeIfAbsent(method, m -> SpanShape.of(address, m)), implementation, method, args);
      }
      try {
        return method.invoke(eventBusProxy, args);
      } catch (InvocationTargetException thrown) {
        throw thrown.getCause(); // as a direct call on the event-bus proxy would
      }
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
  }

  /**
   * The call as a span named like the event-bus hop it replaces ({@code <address> <method>}),
   * current for all the method does ({@link Tracing#within}), so the cache and query spans it
   * starts are its children. A call whose trace is not sampled (nine in ten at 10 %) gets its
   * attributes, its own context and its end callback skipped: a span that records nothing needs
   * none of them, and the caller's context, current as before, carries the unsampled decision on.
   * The attributes are set after the start, where the sampler never looked at them anyway.
   */
  private static Object traced(Tracer tracer, SpanShape shape, Object implementation, Method method, Object[] args) {
    Span span = tracer.spanBuilder(shape.name()).startSpan();
    boolean future = Future.class.isAssignableFrom(method.getReturnType());
    if (future && !span.isRecording()) {
      return call(implementation, method, args);
    }
    span.setAllAttributes(shape.attributes());
    if (!future) {
      try (Scope scope = span.makeCurrent()) {
        return call(implementation, method, args);
      } finally {
        span.end();
      }
    }
    return Tracing.within(span, () -> (Future<?>) call(implementation, method, args)).andThen(done -> {
      if (done.failed()) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    });
  }

  /** The name and attributes of the span of an in-process call to one method. */
  private record SpanShape(String name, Attributes attributes) {
    static SpanShape of(String address, Method method) {
      return new SpanShape(address + " " + method.getName(), Attributes.of(RPC_SYSTEM, "consolidb",
          RPC_SERVICE, address, RPC_METHOD, method.getName(), HOP, "in-process"));
    }
  }

  private static Object call(Object implementation, Method method, Object[] args) {
    Object result;
    try {
      result = method.invoke(implementation, args);
    } catch (InvocationTargetException thrown) {
      // over the event bus an exception thrown by the method reaches the caller as code 500
      LOG.error("{}: unexpected exception", method, thrown.getCause());
      return Future.failedFuture(new ServiceException(500, thrown.getCause().getMessage()));
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + method, e);
    }
    if (!(result instanceof Future<?> future)) {
      return result;
    }
    return future.recover(failure -> Future.failedFuture(failure instanceof ServiceException
        ? failure
        : new ServiceException(-1, failure.getMessage())));
  }

  private static Object objectMethod(Object proxy, Method method, Object[] args, Class<?> type, String address) {
    return switch (method.getName()) {
      case "equals" -> proxy == args[0];
      case "hashCode" -> System.identityHashCode(proxy);
      default -> type.getSimpleName() + " client of " + address;
    };
  }
}
