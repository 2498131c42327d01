package io.consolidb.service;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceProxyBuilder;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Same-node calls to a service without the event bus. A service verticle binds its
 * implementation here beside its event-bus registration; a client made by {@link #client} calls
 * that implementation directly, on the caller's thread, while it is bound, and the event-bus proxy
 * otherwise (another node serves it, or the service is not deployed yet or any more).
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
  private static final String MAP = "consolidb.in-process-services";

  private InProcessServices() {
  }

  /** Makes {@code implementation} reachable in-process on this node as the service at {@code address}. */
  public static <T> void bind(Vertx vertx, String address, T implementation) {
    map(vertx).put(address, new Binding(Objects.requireNonNull(implementation)));
  }

  /** Removes the binding of {@code implementation} (and only that one) from {@code address}. */
  public static void unbind(Vertx vertx, String address, Object implementation) {
    map(vertx).remove(address, new Binding(implementation));
  }

  /** True while a service is bound in-process at {@code address} on this node. */
  public static boolean bound(Vertx vertx, String address) {
    return map(vertx).get(address) != null;
  }

  /**
   * A {@code type} that calls the implementation bound at {@code address} on this node, looked
   * up at every call, and the event-bus proxy ({@link #eventBusProxy}) when none is bound.
   */
  public static <T> T client(Vertx vertx, Class<T> type, String address, long timeoutMs) {
    return client(vertx, type, address, eventBusProxy(vertx, type, address, timeoutMs));
  }

  /** The generated event-bus proxy of {@code type} at {@code address}, each call bounded by {@code timeoutMs}. */
  public static <T> T eventBusProxy(Vertx vertx, Class<T> type, String address, long timeoutMs) {
    return new ServiceProxyBuilder(vertx)
        .setAddress(address)
        .setOptions(new DeliveryOptions().setSendTimeout(timeoutMs))
        .build(type);
  }

  static <T> T client(Vertx vertx, Class<T> type, String address, T eventBusProxy) {
    LocalMap<String, Binding> bindings = map(vertx);
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return objectMethod(proxy, method, args, type, address);
      }
      Binding binding = bindings.get(address);
      if (binding != null) {
        return call(binding.implementation(), method, args);
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

  @SuppressWarnings("unchecked")
  private static LocalMap<String, Binding> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  /** Local-map values must be {@link Shareable}; the implementation is thread-safe by contract. */
  private record Binding(Object implementation) implements Shareable {

    @Override
    public boolean equals(Object other) {
      return other instanceof Binding b && b.implementation == implementation;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(implementation);
    }
  }
}
