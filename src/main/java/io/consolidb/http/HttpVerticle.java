package io.consolidb.http;

import io.consolidb.config.HttpSettings;
import io.consolidb.config.NodeSettings;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.service.CacheMark;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (vertx-web) on {@code http.host}:{@code http.port}: the restaurant routes under
 * {@code /api/v1}, described by {@code docs/openapi.yaml}, and the health endpoints ({@link HealthRoutes}).
 * Restaurants are reached through the {@link RestaurantService} proxy, so this node may serve
 * HTTP while the service runs on another node of the cluster. Every error is an RFC 9457
 * {@code application/problem+json} body built by {@link Problems}.
 */
public class HttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  static final String RESTAURANTS = "/api/v1/restaurants";
  /** Routing-context key of a route's own body limit when it differs from the node's (413 text). */
  static final String BODY_LIMIT = "consolidb.bodyLimit";
  static final String RESTAURANT = RESTAURANTS + "/:id";
  static final String SEARCH = RESTAURANTS + "/search";

  static final double DEFAULT_RADIUS_KM = 10;
  static final int DEFAULT_LIMIT = 20;
  static final int DEFAULT_PAGE_SIZE = 20;

  /** The service's parameter names as each route calls them. */
  private static final Map<String, String> NEAR_NAMES =
      Map.of("latitude", "lat", "longitude", "lng", "radiusKm", "radius_km");
  private static final Map<String, String> SEARCH_NAMES = Map.of("query", "q");
  private static final Map<String, String> BODY_NAMES = Map.of("restaurant", "body", "changes", "body");
  private static final Map<String, String> SAME_NAMES = Map.of();

  private static final String JSON = "application/json";

  private HttpSettings settings;
  private RestaurantService restaurants;
  /** The write guard (writes refused with 403 when no token is configured). */
  private ApiToken apiToken;
  /** The guard of the admin routes (refused with 403 when no admin token is configured). */
  private ApiToken adminToken;

  @Override
  public Future<?> start() {
    NodeSettings node = NodeSettings.fromJson(config());
    settings = node.http();
    long queryTimeoutMs = node.database().queryTimeoutMs();
    // The proxy waits a second longer than a query may take, so a slow query is reported as the
    // service's own 504 rather than as an event-bus timeout.
    restaurants = RestaurantService.createProxy(vertx, queryTimeoutMs + 1000);
    apiToken = new ApiToken(settings.apiToken());
    adminToken = ApiToken.admin(settings.adminToken());

    HttpServer server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(settings.host())
        .setPort(settings.port()));
    return server.requestHandler(router()).listen()
        .onSuccess(s -> LOG.info("http: listening on {}:{}{}", settings.host(), s.actualPort(),
            !apiToken.configured() ? " (no API token configured: writes are refused)" : ""));
  }

  private Router router() {
    Router router = Router.router(vertx);
    // File uploads off: a body is held in memory up to the limit, never written to disk.
    BodyHandler body = BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes());

    new HealthRoutes(vertx).mount(router);
    MetricsRoutes.mount(vertx, router, adminToken, config());

    // /search before /:id, or "search" would be read as an id.
    router.get(SEARCH).handler(this::searchRestaurants);
    allow(router, SEARCH, "GET");
    // Writes are checked (token, then media type) in a route of their own that runs before the
    // body is read: vertx-web wants the body handler first in a route, and an unauthenticated
    // client must not make the node buffer a body.
    router.post(RESTAURANTS).handler(apiToken::require).handler(HttpVerticle::requireJsonBody);
    router.route(RESTAURANT).method(HttpMethod.PUT).method(HttpMethod.PATCH)
        .handler(apiToken::require).handler(HttpVerticle::requireJsonBody);
    router.delete(RESTAURANT).handler(apiToken::require);

    router.get(RESTAURANTS).handler(this::listRestaurants);
    router.post(RESTAURANTS).handler(body).handler(this::createRestaurant);
    allow(router, RESTAURANTS, "GET, POST");
    router.get(RESTAURANT).handler(this::getRestaurant);
    router.route(RESTAURANT).method(HttpMethod.PUT).method(HttpMethod.PATCH).handler(body)
        .handler(this::updateRestaurant);
    router.delete(RESTAURANT).handler(this::deleteRestaurant);
    allow(router, RESTAURANT, "GET, PUT, PATCH, DELETE");
    new UserRoutes(vertx, config(), apiToken).mount(router);
    new AnalyticsRoutes(vertx, config(), apiToken).mount(router);

    CacheAdminRoutes.mount(router, vertx, adminToken, settings.maxBodyBytes());

    // Failures raised inside routes (413 from the body handler, undecodable query strings, bugs)
    router.route().failureHandler(this::routeFailed);
    // No route matched at all
    router.errorHandler(404, this::noSuchRoute);
    router.errorHandler(405, this::noSuchMethod);
    router.errorHandler(500, this::routeFailed);
    return router;
  }

  /** After a path's routes: any other method on it gets 405 with the methods it does allow. */
  static void allow(Router router, String path, String methods) {
    router.route(path).handler(ctx -> {
      ctx.response().putHeader(HttpHeaders.ALLOW, methods);
      Problems.send(ctx, 405, ctx.request().method().name() + " is not allowed here; allowed: " + methods);
    });
  }

  private void getRestaurant(RoutingContext ctx) {
    try {
      respond(ctx, restaurants.get(RequestParams.id(ctx)), 200, SAME_NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void listRestaurants(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      boolean near = query.contains("lat") || query.contains("lng") || query.contains("radius_km");
      boolean city = query.contains("city");
      if (near && city) {
        throw Problem.badRequest("give either lat and lng, or city, not both", List.of("lat", "lng", "city"));
      }
      if (near) {
        respond(ctx, restaurants.near(
            RequestParams.decimal(query, "lat", null),
            RequestParams.decimal(query, "lng", null),
            RequestParams.decimal(query, "radius_km", DEFAULT_RADIUS_KM),
            RequestParams.integer(query, "limit", DEFAULT_LIMIT)), 200, NEAR_NAMES);
      } else if (city) {
        respond(ctx, restaurants.byCity(
            RequestParams.text(query, "city"),
            RequestParams.integer(query, "page", 1),
            RequestParams.integer(query, "size", DEFAULT_PAGE_SIZE)), 200, SAME_NAMES);
      } else {
        throw Problem.badRequest("give lat and lng (restaurants near a point) or city (restaurants of a city)",
            List.of("lat", "lng", "city"));
      }
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void searchRestaurants(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      respond(ctx, restaurants.search(RequestParams.text(query, "q"),
          RequestParams.integer(query, "limit", DEFAULT_LIMIT)), 200, SEARCH_NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void createRestaurant(RoutingContext ctx) {
    try {
      restaurants.create(RequestParams.jsonObject(ctx))
          .onSuccess(created -> {
            if (created != null) {
              ctx.response().putHeader(HttpHeaders.LOCATION, RESTAURANTS + "/" + created.getValue("id"));
            }
            json(ctx, 201, created);
          })
          .onFailure(failure -> Problems.send(ctx, failure, BODY_NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void updateRestaurant(RoutingContext ctx) {
    try {
      long id = RequestParams.id(ctx);
      respond(ctx, restaurants.update(id, RequestParams.jsonObject(ctx)), 200, BODY_NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void deleteRestaurant(RoutingContext ctx) {
    try {
      restaurants.delete(RequestParams.id(ctx))
          .onSuccess(deleted -> {
            if (!ctx.response().ended() && !ctx.response().closed()) {
              ctx.response().setStatusCode(204).end();
            }
          })
          .onFailure(failure -> Problems.send(ctx, failure, SAME_NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** Refuses a body that is not JSON before reading it. */
  static void requireJsonBody(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals(JSON) && !(media.startsWith("application/") && media.endsWith("+json"))) {
      ctx.response().putHeader(HttpHeaders.ACCEPT, JSON);
      Problems.send(ctx, 415, "the body must be sent as application/json");
      return;
    }
    ctx.next();
  }

  /** A failure inside a matched route: 413 from the body limit, 400 from an undecodable query, or a bug. */
  private void routeFailed(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = failure instanceof HttpException http ? http.getStatusCode() : ctx.statusCode();
    if (status == 413) {
      // The client may still be sending: close after answering rather than reading megabytes.
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      Object limit = ctx.get(BODY_LIMIT);
      Problems.send(ctx, 413, "the request body is larger than "
          + (limit != null ? limit : settings.maxBodyBytes()) + " bytes");
    } else if (failure instanceof Problem problem) {
      Problems.send(ctx, problem);
    } else if (status >= 400 && status < 500) {
      Problems.send(ctx, status, "the request could not be read");
    } else {
      Problems.send(ctx, Problems.fromFailure(failure == null ? new IllegalStateException("status " + status)
          : failure, SAME_NAMES));
    }
  }

  private void noSuchRoute(RoutingContext ctx) {
    Problems.send(ctx, 404, "no such resource");
  }

  private void noSuchMethod(RoutingContext ctx) {
    Problems.send(ctx, 405, ctx.request().method().name() + " is not allowed here");
  }

  /** Answers a service result; a read's cache mark becomes the {@code X-Cache} header. */
  static void respond(RoutingContext ctx, Future<JsonObject> result, int status, Map<String, String> names) {
    result.onSuccess(body -> {
          if (body != null && body.remove(CacheMark.FIELD) instanceof String mark) {
            ctx.response().putHeader("X-Cache", mark);
          }
          json(ctx, status, body);
        })
        .onFailure(failure -> Problems.send(ctx, failure, names));
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    if (body == null) {
      Problems.send(ctx, Problems.fromFailure(new IllegalStateException("a service answered no body"), SAME_NAMES));
      return;
    }
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.toBuffer());
  }
}
