package io.consolidb.restaurant;

import io.consolidb.Addresses;
import io.consolidb.query.QueryClient;
import io.consolidb.restaurant.impl.RestaurantServiceImpl;
import io.consolidb.service.InProcessServices;
import io.consolidb.service.ServiceEndpoint;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Serves {@link RestaurantService} on the clustered address {@code consolidb.restaurants}, so a
 * proxy on any node of the cluster reaches it, and in-process to callers on this node. Its queries go to this node's query verticle.
 */
public class RestaurantVerticle extends VerticleBase {

  private final QueryClient queries;
  private final InProcessServices inProcess;
  private ServiceEndpoint endpoint;

  public RestaurantVerticle(QueryClient queries, InProcessServices inProcess) {
    this.queries = queries;
    this.inProcess = inProcess;
  }

  @Override
  public Future<?> start() {
    return ServiceEndpoint.publish(vertx, inProcess, Addresses.RESTAURANTS, RestaurantService.class,
        new RestaurantServiceImpl(queries)).onSuccess(published -> endpoint = published);
  }

  @Override
  public Future<?> stop() {
    return endpoint == null ? Future.succeededFuture() : endpoint.close();
  }
}
