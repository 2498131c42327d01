package io.consolidb.http;

import io.consolidb.Addresses;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.config.HttpLimits;
import io.consolidb.config.HttpSettings;
import io.consolidb.config.NodeSettings;
import io.consolidb.config.Scope;
import io.consolidb.metrics.TrafficSeries;
import io.consolidb.restaurant.RestaurantHits;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.query.ReadYourWrites;
import io.consolidb.service.InProcessServices;
import io.consolidb.user.UserService;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.HttpException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (vertx-web) on {@code http.host}:{@code http.port}, described by
 * {@code docs/openapi.yaml}: it puts the route groups on one router ({@link HealthRoutes},
 * {@link MetricsRoutes}, {@link RestaurantRoutes}, {@link UserRoutes}, {@link AnalyticsRoutes},
 * {@link CacheAdminRoutes}, {@link StatusRoutes}) and answers what no route handles. The services
 * are reached through their proxies, so this node may serve HTTP while they run on other nodes of the cluster. Every
 * error is an RFC 9457 {@code application/problem+json} body built by {@link Problems}. A route
 * that needs a scope checks the bearer token first ({@link Authenticator}, with failed attempts
 * limited per address by {@link FailedAuthentications}), so an unauthenticated request never takes
 * a permit. Each route but the health probes, {@code /metrics} and the status page's files then passes its
 * {@link RouteClass}'s {@link Bulkhead} (429 when full); connections are bounded by
 * {@link ConnectionCap} and the idle timeout.
 */
public class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);
  /** The status page polls this often; its graphs are sampled at the same pace. */
  static final long TRAFFIC_INTERVAL_MS = 2000;
  /** Three minutes of traffic at {@link #TRAFFIC_INTERVAL_MS}. */
  static final int TRAFFIC_SAMPLES = 90;

  private HttpSettings settings;
  /** The bearer-token guard: each guarded route requires a scope (403 when no token holds it). */
  private Authenticator auth;
  private FailedAuthentications failedAuthentications;

  private final NodeSettings node;
  private final MeterRegistry registry;
  private final InProcessServices services;
  private final Supplier<String> notReady;
  private HttpServer server;
  private Bulkheads bulkheads;
  private ConnectionCap connectionCap;
  /** The status page's request-rate and latency history: one per node, so every viewer sees the same. */
  private TrafficSeries traffic;
  private long trafficTimer;

  /**
   * @param registry the node's registry: {@code /metrics} serves it when metrics are on
   * @param services the services this node serves in-process (others are reached over the event bus)
   * @param notReady why the node must not be sent traffic whatever its health (the schema is not
   *     migrated yet, the node is shutting down), or null: {@code /health/ready} answers 503 with it
   */
  public HttpVerticle(NodeSettings node, MeterRegistry registry, InProcessServices services,
      Supplier<String> notReady) {
    this.node = node;
    this.registry = registry;
    this.services = services;
    this.notReady = notReady;
  }

  @Override
  public Future<?> start() {
    settings = node.http();
    failedAuthentications = new FailedAuthentications(settings.authLimits(), registry);
    auth = new Authenticator(settings.tokens(), failedAuthentications);

    HttpLimits limits = settings.limits();
    bulkheads = new Bulkheads(vertx, limits, registry);
    connectionCap = new ConnectionCap(limits.maxConnections(), registry);
    int compressAbove = settings.compressionThresholdBytes();
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(settings.host())
        .setPort(settings.port())
        // gzip or deflate as the client's Accept-Encoding asks, for bodies this large or larger
        .setCompressionSupported(compressAbove > 0)
        .setCompressionContentSizeThreshold(compressAbove)
        // a connection that neither reads nor writes this long is closed (0: never)
        .setIdleTimeout(limits.idleTimeoutSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS));
    traffic = new TrafficSeries(registry, TRAFFIC_SAMPLES, StatusRoutes.PAGE);
    traffic.sample(Instant.now());
    trafficTimer = vertx.setPeriodic(TRAFFIC_INTERVAL_MS, id -> traffic.sample(Instant.now()));
    return StatusRoutes.load(vertx, new StatusData(vertx, traffic, TRAFFIC_INTERVAL_MS))
        .compose(status -> server.connectionHandler(connectionCap).requestHandler(router(status)).listen())
        .onSuccess(s -> LOG.info("http: listening on {}:{}{}", settings.host(), s.actualPort(),
            tokensNote()));
  }

  /**
   * Stops taking connections and lets requests in flight finish (within the shutdown timeout)
   * before closing: undeploying alone would cut them ({@code close()} is a shutdown without grace).
   */
  @Override
  public Future<?> stop() {
    long graceMs = (long) (node.shutdown().timeoutSeconds() * 1000);
    return (server == null ? Future.succeededFuture() : server.shutdown(graceMs, TimeUnit.MILLISECONDS))
        .onComplete(done -> {
          vertx.cancelTimer(trafficTimer);
          bulkheads.close();
          connectionCap.close();
          failedAuthentications.close();
        });
  }

  /** The scopes no token holds (their routes answer 403), for the start-up line; never a token. */
  private String tokensNote() {
    String off = Arrays.stream(Scope.values()).filter(s -> !auth.grants(s)).map(Scope::label)
        .collect(Collectors.joining(", "));
    return off.isEmpty() ? "" : " (no token holds " + off + ": those routes are refused)";
  }

  private Router router(StatusRoutes status) {
    Router router = Router.router(vertx);
    RequestDefaults defaults = new RequestDefaults(settings.compressionThresholdBytes() > 0,
        new ReadCaching(settings.cacheMaxAgeSeconds()));
    router.route().handler(defaults::handle);
    if (node.database().replicas().enabled()) {
      // without replicas every read is on the primary and no write answers an LSN: nothing to carry,
      // and every request (a probe, a cached read) would pay a route, an allocation and a header hook
      router.route().handler(HttpVerticle::readYourWrites);
    }
    CorsHandler cors = CorsPolicy.handler(settings.cors());
    if (cors != null) {
      router.route().handler(cors);
    }

    // Health probes and /metrics pass no bulkhead: an overloaded node must still say how it is.
    Bulkhead admin = bulkheads.of(RouteClass.ADMIN);
    new HealthRoutes(vertx, notReady).mount(router);
    MetricsRoutes.mount(vertx, router, auth, node.metrics(), registry, admin);
    int maxBody = settings.maxBodyBytes();
    new RestaurantRoutes(service(RestaurantService.class, Addresses.RESTAURANTS), id -> {
      RestaurantHits hits = services.boundAs(Addresses.RESTAURANTS, RestaurantHits.class); // at each call, as service()
      return hits == null ? null : hits.cachedById(id);
    }, auth, maxBody, bulkheads).mount(router);
    new UserRoutes(service(UserService.class, Addresses.USERS), auth, maxBody, bulkheads).mount(router);
    new AnalyticsRoutes(service(AnalyticsService.class, Addresses.ANALYTICS), auth, maxBody, bulkheads)
        .mount(router);

    CacheAdminRoutes.mount(router, vertx, auth, settings.maxBodyBytes(), admin);
    status.mount(router, auth, admin);

    // Failures raised inside routes (413 from the body handler, undecodable query strings, bugs)
    router.route().failureHandler(this::routeFailed);
    // No route matched at all
    router.errorHandler(404, this::noSuchRoute);
    router.errorHandler(405, this::noSuchMethod);
    router.errorHandler(500, this::routeFailed);
    return router;
  }

  /**
   * The node's client of a service: in-process when this node serves it. A call over the event
   * bus waits a second longer than a query may take, so a slow query is reported as the service's
   * own 504 rather than as an event-bus timeout.
   */
  private <T> T service(Class<T> type, String address) {
    return services.inProcessOrProxy(vertx, type, address, node.database().queryTimeoutMs() + 1000);
  }

  /** A failure inside a matched route: 413 from the body limit, 400 from an undecodable query, or a bug. */
  private void routeFailed(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    if (status == 413) {
      // The client may still be sending: close after answering rather than reading megabytes.
      UnreadBody.closeAfterAnswer(vertx, ctx);
      Object limit = ctx.get(Routes.BODY_LIMIT);
      Problems.send(ctx, 413, "the request body is larger than "
          + (limit != null ? limit : settings.maxBodyBytes()) + " bytes");
    } else if (status == 403 && failure != null && CorsPolicy.REJECTED.equals(failure.getMessage())) {
      Problems.send(ctx, 403, "this origin may not call the API (CORS)");
    } else if (failure instanceof Problem problem) {
      Problems.send(ctx, problem);
    } else if (status >= 400 && status < 500) {
      Problems.send(ctx, status, "the request could not be read");
    } else {
      Problems.send(ctx, Problems.fromFailure(failure == null ? new IllegalStateException("status " + status)
          : failure, Map.of()));
    }
  }

  /**
   * {@value ReadYourWrites#HEADER}: a request's reads see at least the LSN it names (a replica
   * that has not replayed it leaves them to the primary); a request that wrote answers the LSN its
   * writes reached. Without the header and without a write nothing is added.
   */
  private static void readYourWrites(RoutingContext ctx) {
    ReadYourWrites.Positions positions;
    try {
      positions = ReadYourWrites.bind(Vertx.currentContext(), ctx.request().getHeader(ReadYourWrites.HEADER));
    } catch (IllegalArgumentException invalid) {
      Problems.send(ctx, 400, invalid.getMessage());
      return;
    }
    if (positions != null) {
      ctx.addHeadersEndHandler(v -> {
        String written = positions.written();
        if (written != null) {
          ctx.response().putHeader(ReadYourWrites.HEADER, written);
        }
      });
    }
    ctx.next();
  }

  private void noSuchRoute(RoutingContext ctx) {
    Problems.send(ctx, 404, "no such resource");
  }

  private void noSuchMethod(RoutingContext ctx) {
    Problems.send(ctx, 405, ctx.request().method().name() + " is not allowed here");
  }
}
