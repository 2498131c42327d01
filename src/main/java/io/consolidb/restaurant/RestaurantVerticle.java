package io.consolidb.restaurant;

import io.consolidb.Addresses;
import io.consolidb.config.NodeSettings;
import io.consolidb.query.QueryClient;
import io.consolidb.restaurant.impl.RestaurantServiceImpl;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceBinder;

/**
 * Serves {@link RestaurantService} on the clustered address {@code consolidb.restaurants}, so a
 * proxy on any node of the cluster reaches it. Its queries go to this node's query verticle.
 * Deployment config: the node's settings ({@link NodeSettings#json()}).
 */
public class RestaurantVerticle extends VerticleBase {

  private MessageConsumer<JsonObject> consumer;

  @Override
  public Future<?> start() {
    NodeSettings settings = NodeSettings.fromJson(config());
    QueryClient queries = new QueryClient(vertx, settings.database().queryTimeoutMs());
    consumer = new ServiceBinder(vertx)
        .setAddress(Addresses.RESTAURANTS)
        .register(RestaurantService.class, new RestaurantServiceImpl(queries));
    // Completes once the registration has reached the cluster: callers elsewhere can find it.
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}
