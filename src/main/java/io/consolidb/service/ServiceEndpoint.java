package io.consolidb.service;

import io.consolidb.tracing.RequestId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;

/**
 * A service implementation published the two ways callers reach it: on its clustered event-bus
 * address (proxies on any node) and in-process for callers on this node ({@link InProcessServices}).
 * Service verticles publish in {@code start()} and close in {@code stop()}.
 */
public final class ServiceEndpoint {

  private final InProcessServices inProcess;
  private final String address;
  private final Object implementation;
  private final MessageConsumer<JsonObject> consumer;

  private ServiceEndpoint(InProcessServices inProcess, String address, Object implementation,
      MessageConsumer<JsonObject> consumer) {
    this.inProcess = inProcess;
    this.address = address;
    this.implementation = implementation;
    this.consumer = consumer;
  }

  /**
   * Registers {@code implementation} at {@code address}; completes once the registration has
   * reached the cluster (callers elsewhere can find it), and only then binds it in {@code inProcess}.
   */
  public static <T> Future<ServiceEndpoint> publish(Vertx vertx, InProcessServices inProcess, String address,
      Class<T> type, T implementation) {
    ServiceBinder binder = new ServiceBinder(vertx).setAddress(address);
    if (inProcess.callerCheck() != null) {
      binder.addInterceptor(inProcess.callerCheck()); // a call without a valid token goes no further
    }
    // a malformed call (not JSON, no or unknown action, a parameter of the wrong type) is a 400,
    // where the generated handler would answer 500
    binder.addInterceptor(MessageCheck.of(type).interceptor());
    // a call whose caller stopped waiting (this member was frozen) is refused, never served late
    binder.addInterceptor(CallDeadline.serviceInterceptor());
    MessageConsumer<JsonObject> consumer = binder.addInterceptor(RequestId.serviceInterceptor())
        .register(type, implementation);
    return consumer.completion().map(v -> {
      inProcess.bind(address, implementation);
      return new ServiceEndpoint(inProcess, address, implementation, consumer);
    });
  }

  /** Stops taking calls: in-process callers fall back to the event bus at once. */
  public Future<Void> close() {
    inProcess.unbind(address, implementation);
    return consumer.unregister();
  }
}
