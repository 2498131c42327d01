package io.consolidb.user;

import io.consolidb.Addresses;
import io.consolidb.config.NodeSettings;
import io.consolidb.query.QueryClient;
import io.consolidb.service.ServiceEndpoint;
import io.consolidb.user.impl.UserServiceImpl;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Serves {@link UserService} on the clustered address {@code consolidb.users} (and in-process on this node); its queries go to
 * this node's query verticle. Deployment config: the node's settings ({@link NodeSettings#json()}).
 */
public class UserVerticle extends VerticleBase {

  private ServiceEndpoint endpoint;

  @Override
  public Future<?> start() {
    NodeSettings settings = NodeSettings.fromJson(config());
    QueryClient queries = new QueryClient(vertx, settings.database().queryTimeoutMs());
    return ServiceEndpoint.publish(vertx, Addresses.USERS, UserService.class, new UserServiceImpl(queries))
        .onSuccess(published -> endpoint = published);
  }

  @Override
  public Future<?> stop() {
    return endpoint == null ? Future.succeededFuture() : endpoint.close();
  }
}
