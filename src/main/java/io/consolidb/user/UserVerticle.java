package io.consolidb.user;

import io.consolidb.Addresses;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.consolidb.service.InProcessServices;
import io.consolidb.service.ServiceEndpoint;
import io.consolidb.user.impl.UserServiceImpl;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Serves {@link UserService} on the clustered address {@code consolidb.users} (and in-process on this node); its queries go to
 * this node's query verticle.
 */
public class UserVerticle extends VerticleBase {

  private final QueryClient queries;
  private final ServiceStats stats;
  private final InProcessServices inProcess;
  private ServiceEndpoint endpoint;

  public UserVerticle(QueryClient queries, ServiceStats stats, InProcessServices inProcess) {
    this.queries = queries;
    this.stats = stats;
    this.inProcess = inProcess;
  }

  @Override
  public Future<?> start() {
    return ServiceEndpoint.publish(vertx, inProcess, Addresses.USERS, UserService.class, new UserServiceImpl(queries, stats))
        .onSuccess(published -> endpoint = published);
  }

  @Override
  public Future<?> stop() {
    return endpoint == null ? Future.succeededFuture() : endpoint.close();
  }
}
