package io.consolidb.http;

import io.consolidb.config.Scope;
import io.consolidb.idempotency.IdempotencyKeys;
import io.consolidb.user.UserService;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Map;

/**
 * The user routes under {@code /api/v1/users}, over the {@link UserService} proxy: create, read,
 * patch and delete a user; find one by e-mail address; add, remove and list favourites. Reads are
 * personal data and need the {@link Scope#USERS_READ} scope, writes {@link Scope#USERS_WRITE}.
 *
 * <p>The lookup by e-mail is {@code POST /api/v1/users/lookup} with the address in a JSON body,
 * not a query parameter: request URIs end up in the access logs of proxies and ingresses, in
 * browser histories and in {@code Referer} headers, where an address must not go; a body does not.
 */
final class UserRoutes {

  static final String USERS = "/api/v1/users";
  static final String LOOKUP = USERS + "/lookup";
  static final String USER = USERS + "/:id";
  static final String FAVORITES = USER + "/favorites";
  static final String FAVORITE = FAVORITES + "/:restaurantId";

  /** The service's parameter names as these routes call them. */
  private static final Map<String, String> NAMES =
      Map.of("user", "body", "changes", "body", "userId", "id",
          IdempotencyKeys.PARAMETER, RequestParams.IDEMPOTENCY_KEY);

  private final UserService users;
  private final Authenticator auth;
  private final int maxBodyBytes;
  private final Bulkheads bulkheads;

  UserRoutes(UserService users, Authenticator auth, int maxBodyBytes, Bulkheads bulkheads) {
    this.users = users;
    this.auth = auth;
    this.maxBodyBytes = maxBodyBytes;
    this.bulkheads = bulkheads;
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    Bulkhead lookups = bulkheads.of(RouteClass.LOOKUPS);
    Bulkhead writes = bulkheads.of(RouteClass.WRITES);
    Handler<RoutingContext> read = auth.require(Scope.USERS_READ);
    Handler<RoutingContext> write = auth.require(Scope.USERS_WRITE);
    // personal data: a read is for this client only, never for a shared cache
    router.route(USERS + "/*").handler(ctx -> {
      ctx.put(ReadCaching.PRIVATE, true);
      ctx.next();
    });
    // Token, then media type, in a route of their own before the body is read (vertx-web wants
    // the body handler first in a route; an unauthenticated client must not make us buffer), then
    // the bulkhead: a refused request never takes a write's room (nor a read's).
    router.post(USERS).handler(write).handler(Routes::requireJsonBody).handler(writes);
    router.post(USERS).handler(body).handler(this::create);
    Routes.allow(router, USERS, "POST");

    // before USER, whose ":id" would take "lookup" (and answer its POST 405)
    router.post(LOOKUP).handler(read).handler(Routes::requireJsonBody).handler(lookups);
    router.post(LOOKUP).handler(body).handler(this::lookup);
    Routes.allow(router, LOOKUP, "POST");

    Routes.read(router, USER).handler(read).handler(lookups).handler(this::get);
    router.patch(USER).handler(write).handler(Routes::requireJsonBody).handler(writes);
    router.patch(USER).handler(body).handler(this::update);
    router.delete(USER).handler(write).handler(writes).handler(this::delete);
    Routes.allow(router, USER, "GET, PATCH, DELETE");

    Routes.read(router, FAVORITES).handler(read).handler(lookups).handler(this::favorites);
    Routes.allow(router, FAVORITES, "GET");

    router.put(FAVORITE).handler(write).handler(writes).handler(this::addFavorite);
    router.delete(FAVORITE).handler(write).handler(writes).handler(this::removeFavorite);
    Routes.allow(router, FAVORITE, "PUT, DELETE");
  }

  private void create(RoutingContext ctx) {
    try {
      Bulkhead.hold(ctx, users.createIdempotent(RequestParams.jsonObject(ctx), RequestParams.idempotencyKey(ctx)))
          .onSuccess(created -> {
            if (created != null) {
              ctx.response().putHeader(HttpHeaders.LOCATION, USERS + "/" + created.getValue("id"));
            }
            Routes.json(ctx, 201, created);
          })
          .onFailure(failure -> Problems.send(ctx, failure, NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void get(RoutingContext ctx) {
    try {
      Routes.respond(ctx, users.get(RequestParams.id(ctx)), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** {@code {"email": "…"}}: the user with this address in any case, 404, or 400 for a bad body. */
  private void lookup(RoutingContext ctx) {
    try {
      JsonObject query = RequestParams.jsonObject(ctx);
      if (!query.fieldNames().stream().allMatch("email"::equals)) {
        // the name is not echoed: a client could have put the address there
        throw Problem.badParameter("body", "a lookup takes only the field email");
      }
      Object email = query.getValue("email");
      if (email != null && !(email instanceof String)) {
        throw Problem.badParameter("email", "email must be a string");
      }
      // a POST answer is not stored by HTTP caches unless told; say "never" for personal data
      ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
      Routes.respond(ctx, users.findByEmail((String) email), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void update(RoutingContext ctx) {
    try {
      long id = RequestParams.id(ctx);
      Routes.respond(ctx, users.updateIdempotent(id, RequestParams.jsonObject(ctx), RequestParams.idempotencyKey(ctx)),
          200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void delete(RoutingContext ctx) {
    try {
      Bulkhead.hold(ctx, users.deleteIdempotent(RequestParams.id(ctx), RequestParams.idempotencyKey(ctx)))
          .onSuccess(deleted -> Routes.noContent(ctx, deleted))
          .onFailure(failure -> Problems.send(ctx, failure, NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  private void favorites(RoutingContext ctx) {
    try {
      Routes.respond(ctx, users.favorites(RequestParams.id(ctx)), 200, NAMES);
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** PUT is idempotent: 201 when the favourite was added, 200 when it already was one. */
  private void addFavorite(RoutingContext ctx) {
    try {
      long id = RequestParams.id(ctx);
      long restaurantId = RequestParams.pathId(ctx, "restaurantId");
      Bulkhead.hold(ctx, users.addFavoriteIdempotent(id, restaurantId, RequestParams.idempotencyKey(ctx)))
          .onSuccess(result -> Routes.json(ctx, result.getBoolean("added", false) ? 201 : 200, result))
          .onFailure(failure -> Problems.send(ctx, failure, NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }

  /** DELETE is idempotent: 204 whether or not it was a favourite; 404 only for an unknown user. */
  private void removeFavorite(RoutingContext ctx) {
    try {
      long id = RequestParams.id(ctx);
      long restaurantId = RequestParams.pathId(ctx, "restaurantId");
      Bulkhead.hold(ctx, users.removeFavoriteIdempotent(id, restaurantId, RequestParams.idempotencyKey(ctx)))
          .onSuccess(result -> Routes.noContent(ctx, result))
          .onFailure(failure -> Problems.send(ctx, failure, NAMES));
    } catch (Problem problem) {
      Problems.send(ctx, problem);
    }
  }
}
