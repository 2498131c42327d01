package io.consolidb.http;

import io.consolidb.analytics.AnalyticsLimits;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.config.Scope;
import io.consolidb.idempotency.IdempotencyKeys;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;

/**
 * The analytics routes under {@code /api/v1/analytics}, over the {@link AnalyticsService} proxy:
 * the event batch endpoint ({@link Scope#ANALYTICS_WRITE}), the reports (public: counts, never
 * personal data) and one user's activity (personal data: {@link Scope#USERS_READ}, as reading the
 * user, and never for a shared cache).
 */
final class AnalyticsRoutes {

  static final String ANALYTICS = "/api/v1/analytics";
  static final String EVENTS = ANALYTICS + "/events";
  static final String COUNTS = EVENTS + "/counts";
  static final String TOP = ANALYTICS + "/restaurants/top";
  static final String VIEWS = ANALYTICS + "/restaurants/:id/views";
  static final String ACTIVE_USERS = ANALYTICS + "/active-users";
  static final String USER_ACTIVITY = ANALYTICS + "/users/:id/activity";

  private static final Map<String, String> NAMES = Map.of("restaurantId", "id", "userId", "id",
      IdempotencyKeys.PARAMETER, RequestParams.IDEMPOTENCY_KEY);

  private final AnalyticsService analytics;
  private final Authenticator auth;
  private final int maxBodyBytes;
  private final Bulkheads bulkheads;

  AnalyticsRoutes(AnalyticsService analytics, Authenticator auth, int maxBodyBytes, Bulkheads bulkheads) {
    this.analytics = analytics;
    this.auth = auth;
    this.bulkheads = bulkheads;
    // A full batch must fit even when the node's general body limit is small.
    this.maxBodyBytes = Math.max(maxBodyBytes, AnalyticsLimits.MAX_BATCH_BODY_BYTES);
  }

  void mount(Router router) {
    Bulkhead reports = bulkheads.of(RouteClass.REPORTS);
    Routes.read(router, COUNTS).handler(reports).handler(this::counts);
    Routes.allow(router, COUNTS, "GET");
    router.post(EVENTS).handler(ctx -> {
      ctx.put(Routes.BODY_LIMIT, maxBodyBytes); // the 413 message names this route's limit
      ctx.next();
    }).handler(auth.require(Scope.ANALYTICS_WRITE)).handler(Routes::requireJsonBody).handler(bulkheads.of(RouteClass.WRITES));
    router.post(EVENTS).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes)).handler(this::record);
    Routes.allow(router, EVENTS, "POST");
    Routes.read(router, TOP).handler(reports).handler(this::top);
    Routes.allow(router, TOP, "GET");
    Routes.read(router, VIEWS).handler(reports).handler(this::views);
    Routes.allow(router, VIEWS, "GET");
    Routes.read(router, ACTIVE_USERS).handler(reports).handler(this::activeUsers);
    Routes.allow(router, ACTIVE_USERS, "GET");
    Routes.read(router, USER_ACTIVITY).handler(ctx -> {
      ctx.put(ReadCaching.PRIVATE, true);
      ctx.next();
    }).handler(auth.require(Scope.USERS_READ)).handler(reports).handler(this::userActivity);
    Routes.allow(router, USER_ACTIVITY, "GET");
  }

  /** A JSON array of events (one batch, all or nothing) or a single event object: 201 {recorded}. */
  private void record(RoutingContext ctx) {
    try {
      Object body = RequestParams.jsonValue(ctx);
      String key = RequestParams.idempotencyKey(ctx);
      if (body instanceof JsonArray events) {
        Routes.respond(ctx, analytics.recordBatchIdempotent(events, key), 201, NAMES);
      } else if (body instanceof JsonObject event) {
        Routes.respond(ctx, analytics.recordIdempotent(event, key), 201, NAMES);
      } else {
        throw Problem.badParameter("body", "the body must be a JSON array of events (or one event object)");
      }
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void top(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      Routes.respond(ctx, analytics.topRestaurants(RequestParams.optionalText(query, "from"),
          RequestParams.optionalText(query, "to"),
          RequestParams.integer(query, "limit", AnalyticsLimits.DEFAULT_TOP_LIMIT)), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void activeUsers(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      Routes.respond(ctx, analytics.activeUsers(RequestParams.optionalText(query, "from"),
          RequestParams.optionalText(query, "to")), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void counts(RoutingContext ctx) {
    try {
      MultiMap query = ctx.queryParams();
      Routes.respond(ctx, analytics.eventCounts(RequestParams.optionalText(query, "from"),
          RequestParams.optionalText(query, "to"), RequestParams.optionalText(query, "type")), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void userActivity(RoutingContext ctx) {
    byIdInWindow(ctx, analytics::userActivity);
  }

  private void views(RoutingContext ctx) {
    byIdInWindow(ctx, analytics::restaurantViews);
  }

  /** A report about one id ({@code /…/{id}/…}) over the optional {@code from}/{@code to} window. */
  private static void byIdInWindow(RoutingContext ctx, IdReport report) {
    try {
      MultiMap query = ctx.queryParams();
      Routes.respond(ctx, report.of(RequestParams.id(ctx),
          RequestParams.optionalText(query, "from"), RequestParams.optionalText(query, "to")), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** A service report taking an id and a window. */
  @FunctionalInterface
  private interface IdReport {
    io.vertx.core.Future<io.vertx.core.json.JsonObject> of(long id, String from, String to);
  }

}
