package io.consolidb.service;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceProxyBuilder;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
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

  /** Implementations bound on this node, by address; an implementation is compared by identity. */
  private final ConcurrentMap<String, Object> bound = new ConcurrentHashMap<>();

  /** Makes {@code implementation} reachable in-process on this node as the service at {@code address}. */
  public <T> void bind(String address, T implementation) {
    bound.put(address, Objects.requireNonNull(implementation));
  }

  /** Removes the binding of {@code implementation} (and only that one) from {@code address}. */
  public void unbind(String address, Object implementation) {
    bound.computeIfPresent(address, (a, current) -> current == implementation ? null : current);
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
    return inProcessOr(type, address, eventBusProxy(vertx, type, address, timeoutMs));
  }

  /** The generated event-bus proxy of {@code type} at {@code address}, each call bounded by {@code timeoutMs}. */
  public static <T> T eventBusProxy(Vertx vertx, Class<T> type, String address, long timeoutMs) {
    return new ServiceProxyBuilder(vertx)
        .setAddress(address)
        .setOptions(new DeliveryOptions().setSendTimeout(timeoutMs))
        .build(type);
  }

  <T> T inProcessOr(Class<T> type, String address, T eventBusProxy) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return objectMethod(proxy, method, args, type, address);
      }
      Object implementation = bound.get(address);
      if (implementation != null) {
        return call(implementation, method, args);
      }
      try {
        return method.invoke(eventBusProxy, args);
      } catch (InvocationTargetException thrown) {
        throw thrown.getCause(); // as a direct call on the event-bus proxy would
      }
    };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
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
