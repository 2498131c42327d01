package io.consolidb.user;

import io.consolidb.Addresses;
import io.consolidb.config.NodeSettings;
import io.consolidb.query.QueryClient;
import io.consolidb.user.impl.UserServiceImpl;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;

/**
 * Serves {@link UserService} on the clustered address {@code consolidb.users}; its queries go to
 * this node's query verticle. Deployment config: the node's settings ({@link NodeSettings#json()}).
 */
public class UserVerticle extends VerticleBase {

  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    NodeSettings settings = NodeSettings.fromJson(config());
    QueryClient queries = new QueryClient(vertx, settings.database().queryTimeoutMs());
    consumer = new ServiceBinder(vertx)
        .setAddress(Addresses.USERS)
        .register(UserService.class, new UserServiceImpl(queries));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
