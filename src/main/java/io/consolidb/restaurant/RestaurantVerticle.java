package io.consolidb.restaurant;

import io.consolidb.Addresses;
import io.consolidb.config.NodeSettings;
import io.consolidb.query.QueryClient;
import io.consolidb.restaurant.impl.RestaurantServiceImpl;
import io.consolidb.service.ServiceEndpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Serves {@link RestaurantService} on the clustered address {@code consolidb.restaurants}, so a
 * proxy on any node of the cluster reaches it, and in-process to callers on this node. Its queries go to this node's query verticle.
 * Deployment config: the node's settings ({@link NodeSettings#json()}).
 */
public class RestaurantVerticle extends VerticleBase {

  private ServiceEndpoint endpoint;

  @Override
  public Future<?> start() {
    NodeSettings settings = NodeSettings.fromJson(config());
    QueryClient queries = new QueryClient(vertx, settings.database().queryTimeoutMs());
    return ServiceEndpoint.publish(vertx, Addresses.RESTAURANTS, RestaurantService.class,
        new RestaurantServiceImpl(queries)).onSuccess(published -> endpoint = published);
  }

  @Override
  public Future<?> stop() {
    return endpoint == null ? Future.succeededFuture() : endpoint.close();
  }
}
