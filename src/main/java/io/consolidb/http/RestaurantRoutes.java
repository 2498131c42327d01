package io.consolidb.http;

import io.consolidb.config.Scope;
import io.consolidb.idempotency.IdempotencyKeys;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The restaurant routes under {@code /api/v1/restaurants}, over the {@link RestaurantService}
 * proxy (so this node may serve HTTP while the service runs on another node of the cluster):
 * near a point, by city, full-text search (each narrowed by the optional filters, README "HTTP
 * API"), and read, create, update and delete by id. Writes need the API token. A read served from
 * the cache says so in {@code X-Cache}.
 */
final class RestaurantRoutes {

  static final String RESTAURANTS = "/api/v1/restaurants";
  static final String RESTAURANT = RESTAURANTS + "/:id";
  static final String SEARCH = RESTAURANTS + "/search";

  static final double DEFAULT_RADIUS_KM = 10;
  static final int DEFAULT_LIMIT = 20;
  static final int DEFAULT_PAGE_SIZE = 20;
  /** The query parameter of a city listing's keyset pages: the {@code next} token of the previous page. */
  static final String CURSOR = "cursor";

  /** The service's parameter names as each route calls them. */
  private static final Map<String, String> NEAR_NAMES =
      Map.of("latitude", "lat", "longitude", "lng", "radiusKm", "radius_km");
  private static final Map<String, String> SEARCH_NAMES = Map.of("query", "q");
  private static final Map<String, String> BODY_NAMES = Map.of("restaurant", "body", "changes", "body",
      IdempotencyKeys.PARAMETER, RequestParams.IDEMPOTENCY_KEY);
  private static final Map<String, String> SAME_NAMES = Map.of();
  private static final Map<String, String> KEY_NAMES = Map.of(IdempotencyKeys.PARAMETER, RequestParams.IDEMPOTENCY_KEY);

  /** The filters that take one value or several (repeated, or separated by commas). */
  private static final List<String> MULTI_VALUED_FILTERS = List.of("kosher_category", "certifying_agency", "status");

  private final RestaurantService restaurants;
  /** A restaurant this node's local cache tier holds fresh, or null ({@link RestaurantHits}). */
  private final LongFunction<JsonObject> localHits;
  private final Authenticator auth;
  private final int maxBodyBytes;
  private final Bulkheads bulkheads;

  RestaurantRoutes(RestaurantService restaurants, LongFunction<JsonObject> localHits, Authenticator auth,
      int maxBodyBytes, Bulkheads bulkheads) {
    this.restaurants = restaurants;
    this.localHits = localHits;
    this.auth = auth;
    this.maxBodyBytes = maxBodyBytes;
    this.bulkheads = bulkheads;
  }

  void mount(Router router) {
    // File uploads off: a body is held in memory up to the limit, never written to disk.
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    Bulkhead lookups = bulkheads.of(RouteClass.LOOKUPS);
    Bulkhead searches = bulkheads.of(RouteClass.SEARCHES);
    Bulkhead writes = bulkheads.of(RouteClass.WRITES);
    Handler<RoutingContext> write = auth.require(Scope.RESTAURANTS_WRITE);

    // First, without a path (a string comparison in the handler; /:id is a regular expression, 3 %
    // of a cached read's CPU, and a route with a path would add itself to the metrics' route
    // label): a restaurant the local tier holds, answered before the bulkhead, since it holds no
    // connection and waits for nothing. Anything else goes on to the routes below.
    router.route().method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::fromLocalTier);
    // /search before /:id, or "search" would be read as an id.
    Routes.read(router, SEARCH).handler(searches).handler(this::search);
    Routes.allow(router, SEARCH, "GET");
    // The reads before the write routes of the same paths: vertx-web tries routes in order and
    // matches a path with parameters by a regular expression even when the method differs (to
    // answer 405), so a read placed after the write routes paid four extra matches (7 % of a
    // cached read's CPU, docs/BENCHMARKS.md).
    Routes.read(router, RESTAURANTS).handler(searches).handler(this::list);
    Routes.read(router, RESTAURANT).handler(lookups).handler(this::get);
    // Writes are checked (token, then media type) in a route of their own that runs before the
    // body is read: vertx-web wants the body handler first in a route, and an unauthenticated
    // client must not make the node buffer a body. The bulkhead comes after both, so a refused
    // request never takes a write's room.
    router.post(RESTAURANTS).handler(write).handler(Routes::requireJsonBody).handler(writes);
    router.route(RESTAURANT).method(HttpMethod.PUT).method(HttpMethod.PATCH)
        .handler(write).handler(Routes::requireJsonBody).handler(writes);
    router.delete(RESTAURANT).handler(write).handler(writes);

    router.post(RESTAURANTS).handler(body).handler(this::create);
    Routes.allow(router, RESTAURANTS, "GET, POST");
    router.route(RESTAURANT).method(HttpMethod.PUT).method(HttpMethod.PATCH).handler(body)
        .handler(this::update);
    router.delete(RESTAURANT).handler(this::delete);
    Routes.allow(router, RESTAURANT, "GET, PUT, PATCH, DELETE");
  }

  /**
   * A restaurant the local cache tier holds fresh, answered at once: the same body, headers and
   * counters as {@link #get} on a local hit, without the service call's futures (about 8 % of a
   * cached read's CPU, docs/BENCHMARKS.md, "What was changed", item 15). Anything else goes on to
   * {@link #get}.
   */
  private void fromLocalTier(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String value = path.length() > RESTAURANTS.length() + 1 && path.startsWith(RESTAURANTS)
        && path.charAt(RESTAURANTS.length()) == '/' ? path.substring(RESTAURANTS.length() + 1) : null;
    JsonObject hit = RequestParams.isId(value) ? localHits.apply(Long.parseLong(value)) : null;
    if (hit == null) {
      ctx.next();
      return;
    }
    ctx.request().routed(RESTAURANT); // the route label of the metrics, as the /:id route gives a miss
    Routes.cached(ctx, hit);
  }

  private void get(RoutingContext ctx) {
    try {
      Routes.respond(ctx, restaurants.get(RequestParams.id(ctx)), 200, SAME_NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** Restaurants near a point ({@code lat}, {@code lng}, {@code radius_km}) or of a {@code city}. */
  private void list(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      boolean near = query.contains("lat") || query.contains("lng") || query.contains("radius_km");
      boolean city = query.contains("city");
      if (near && city) {
        throw Problem.badRequest("give either lat and lng, or city, not both", List.of("lat", "lng", "city"));
      }
      if (near && query.contains(CURSOR)) {
        throw Problem.badParameter(CURSOR, "cursor pages city listings only");
      }
      if (near) {
        Routes.respond(ctx, restaurants.nearFiltered(
            RequestParams.decimal(query, "lat", null),
            RequestParams.decimal(query, "lng", null),
            RequestParams.decimal(query, "radius_km", DEFAULT_RADIUS_KM),
            RequestParams.integer(query, "limit", DEFAULT_LIMIT), filters(query)), 200, NEAR_NAMES);
      } else if (city && query.contains(CURSOR)) {
        cityAfter(ctx, query);
      } else if (city) {
        Routes.respond(ctx, restaurants.byCityFiltered(
            RequestParams.text(query, "city"),
            RequestParams.integer(query, "page", 1),
            RequestParams.integer(query, "size", DEFAULT_PAGE_SIZE), filters(query)), 200, SAME_NAMES);
      } else {
        throw Problem.badRequest("give lat and lng (restaurants near a point) or city (restaurants of a city)",
            List.of("lat", "lng", "city"));
      }
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** The page of a city after {@code cursor} (the {@code next} of a page): keyset pagination, not numbered. */
  private void cityAfter(RoutingContext ctx, MultiMap query) {
    if (query.contains("page")) {
      throw Problem.badRequest("give either page or cursor, not both", List.of("page", CURSOR));
    }
    Routes.respond(ctx, restaurants.byCityAfter(
        RequestParams.text(query, "city"),
        RequestParams.text(query, CURSOR),
        RequestParams.integer(query, "size", DEFAULT_PAGE_SIZE), filters(query)), 200, SAME_NAMES);
  }

  private void search(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      Routes.respond(ctx, restaurants.searchFiltered(RequestParams.text(query, "q"),
          RequestParams.integer(query, "limit", DEFAULT_LIMIT), filters(query)), 200, SEARCH_NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /**
   * The filters of a near, city or search read, as the service takes them: only those given, the
   * multi-valued ones as arrays, numbers parsed (a malformed one is a 400 here; ranges and allowed
   * values are the service's to check, the same for event-bus callers).
   */
  private static JsonObject filters(MultiMap query) {
    JsonObject filters = new JsonObject();
    for (String name : MULTI_VALUED_FILTERS) {
      List<String> values = RequestParams.list(query, name);
      if (!values.isEmpty()) {
        filters.put(name, new JsonArray(new ArrayList<>(values)));
      }
    }
    putIfPresent(filters, "min_price", RequestParams.optionalInteger(query, "min_price"));
    putIfPresent(filters, "max_price", RequestParams.optionalInteger(query, "max_price"));
    putIfPresent(filters, "min_rating", RequestParams.optionalDecimal(query, "min_rating"));
    putIfPresent(filters, "sort", RequestParams.optionalText(query, "sort"));
    putIfPresent(filters, "open_now", RequestParams.optionalBoolean(query, "open_now"));
    putIfPresent(filters, "open_at", RequestParams.optionalText(query, "open_at"));
    return filters;
  }

  private static void putIfPresent(JsonObject filters, String name, Object value) {
    if (value != null) {
      filters.put(name, value);
    }
  }

  private void create(RoutingContext ctx) {
    try {
      Bulkhead.hold(ctx, restaurants.createIdempotent(RequestParams.jsonObject(ctx), RequestParams.idempotencyKey(ctx)))
          .onSuccess(created -> {
            if (created != null) {
              ctx.response().putHeader(HttpHeaders.LOCATION, RESTAURANTS + "/" + created.getValue("id"));
            }
            Routes.json(ctx, 201, created);
          })
          .onFailure(failure -> Problems.send(ctx, failure, BODY_NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void update(RoutingContext ctx) {
    try {
      long id = RequestParams.id(ctx);
      Routes.respond(ctx, restaurants.updateIdempotent(id, RequestParams.jsonObject(ctx),
          RequestParams.idempotencyKey(ctx)), 200, BODY_NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void delete(RoutingContext ctx) {
    try {
      Bulkhead.hold(ctx, restaurants.deleteIdempotent(RequestParams.id(ctx), RequestParams.idempotencyKey(ctx)))
          .onSuccess(deleted -> Routes.noContent(ctx, deleted))
          .onFailure(failure -> Problems.send(ctx, failure, KEY_NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }
}
