package io.consolidb.http;

import static io.consolidb.http.HttpApiTest.assertClean;
import static io.consolidb.http.HttpApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.analytics.KnownEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The user and analytics routes end to end: a node (query verticle, services, HTTP) on a free
 * port over a private schema with the known restaurants, called with vertx-web-client.
 */
@ExtendWith(VertxExtension.class)
class UserAnalyticsApiTest {

  private static final String TOKEN = "test-api-token-9a2e";
  private static TestNode node;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("http_users");
    node.reseed();
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.execute("TRUNCATE users RESTART IDENTITY CASCADE", "DELETE FROM analytics_events");
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = node.config(port, TOKEN);
    TestNode.deployServicesAndHttp(vertx, config, false)
        .onComplete(ctx.succeedingThenComplete());
  }

  private HttpRequest<Buffer> auth(HttpRequest<Buffer> request) {
    return request.bearerTokenAuthentication(TOKEN);
  }

  private Future<HttpResponse<Buffer>> createUser(String email) {
    return auth(client.post("/api/v1/users")).sendJsonObject(new JsonObject().put("email", email)
        .put("display_name", "Ada").put("preferences", new JsonObject().put("kosher_category", "meat")));
  }

  @Test
  @DisplayName("every analytics route refuses bad input with a 400 problem naming the parameter")
  void analyticsRoutes_badInput() throws Exception {
    assertRefused(List.of(
        new BadInput(io.vertx.core.http.HttpMethod.POST, "/api/v1/analytics/events", "5", "body", null),
        new BadInput(io.vertx.core.http.HttpMethod.POST, "/api/v1/analytics/events", "{not json", "body", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/analytics/restaurants/top?limit=abc", null, "limit", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/analytics/restaurants/top?from=a&from=b", null, "from", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/analytics/active-users?to=a&to=b", null, "to", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/analytics/events/counts?type=a&type=b", null, "type", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/analytics/restaurants/abc/views", null, "id", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/analytics/users/abc/activity", null, "id", null)));
  }

  /** A request a route must refuse with 400, the parameter the problem names, and its detail when given. */
  private record BadInput(io.vertx.core.http.HttpMethod method, String path, String body, String parameter,
      String detail) {
  }

  private void assertRefused(List<BadInput> cases) throws Exception {
    for (BadInput c : cases) {
      HttpRequest<Buffer> request = auth(client.request(c.method(), c.path()));
      HttpResponse<Buffer> answer = (c.body() == null ? request.send()
          : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(c.body())))
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      JsonObject problem = assertProblem(answer, 400, null);
      assertThat(problem.getString("parameter")).as("%s %s: %s", c.method(), c.path(), problem).isEqualTo(c.parameter());
      if (c.detail() != null) {
        assertThat(problem.getString("detail")).as("%s %s", c.method(), c.path()).contains(c.detail());
      }
    }
  }

  @Test
  @DisplayName("every user and analytics path answers OPTIONS with the methods it serves, and another method with 405")
  void userAndAnalyticsPaths_allow() throws Exception {
    java.util.Map<String, String> allowed = new java.util.LinkedHashMap<>();
    allowed.put("/api/v1/users", "POST");
    allowed.put("/api/v1/users/lookup", "POST");
    allowed.put("/api/v1/users/1", "GET, HEAD, PATCH, DELETE");
    allowed.put("/api/v1/users/1/favorites", "GET, HEAD");
    allowed.put("/api/v1/users/1/favorites/2", "PUT, DELETE");
    allowed.put("/api/v1/analytics/events", "POST");
    allowed.put("/api/v1/analytics/events/counts", "GET, HEAD");
    allowed.put("/api/v1/analytics/restaurants/top", "GET, HEAD");
    allowed.put("/api/v1/analytics/restaurants/1/views", "GET, HEAD");
    allowed.put("/api/v1/analytics/active-users", "GET, HEAD");
    allowed.put("/api/v1/analytics/users/1/activity", "GET, HEAD");
    for (var path : allowed.entrySet()) {
      HttpResponse<Buffer> options = client.request(io.vertx.core.http.HttpMethod.OPTIONS, path.getKey()).send()
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(options.statusCode()).as(path.getKey()).isEqualTo(204);
      assertThat(options.getHeader("Allow")).as(path.getKey()).isEqualTo(path.getValue());
      HttpResponse<Buffer> other = auth(client.request(io.vertx.core.http.HttpMethod.TRACE, path.getKey())).send()
          .await(10, java.util.concurrent.TimeUnit.SECONDS);
      assertProblem(other, 405, null);
      assertThat(other.getHeader("Allow")).as(path.getKey()).isEqualTo(path.getValue());
    }
  }

  @Test
  @DisplayName("POST /api/v1/users/lookup finds a user by e-mail in any case (200, never stored), else 404")
  void user_lookupByEmail() throws Exception {
    assertThat(createUser("ada@example.com").await(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> found = auth(client.post("/api/v1/users/lookup"))
        .sendJsonObject(new JsonObject().put("email", "ADA@example.com")).await(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(found.statusCode()).as(found.bodyAsString()).isEqualTo(200);
    assertThat(found.bodyAsJsonObject().getString("email")).isEqualTo("ada@example.com");
    assertThat(found.getHeader("Cache-Control")).isEqualTo("no-store");
    HttpResponse<Buffer> missing = auth(client.post("/api/v1/users/lookup"))
        .sendJsonObject(new JsonObject().put("email", "nobody@example.com")).await(10, java.util.concurrent.TimeUnit.SECONDS);
    assertProblem(missing, 404, null);
  }

  // ---- users

  @Test
  @DisplayName("every user route refuses bad input with a 400 problem naming what is wrong; a favourite of an unknown user is 404")
  void userRoutes_badInput() throws Exception {
    assertRefused(List.of(
        new BadInput(io.vertx.core.http.HttpMethod.POST, "/api/v1/users", "{not json", "body", null),
        new BadInput(io.vertx.core.http.HttpMethod.POST, "/api/v1/users/lookup", "{\"email\":\"a@b.c\",\"name\":\"x\"}",
            "body", "a lookup takes only the field email"),
        new BadInput(io.vertx.core.http.HttpMethod.POST, "/api/v1/users/lookup", "{\"email\":5}", "email",
            "email must be a string"),
        new BadInput(io.vertx.core.http.HttpMethod.POST, "/api/v1/users/lookup", "[1]", "body", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/users/abc", null, "id", null),
        new BadInput(io.vertx.core.http.HttpMethod.PATCH, "/api/v1/users/abc", "{\"home_city\":\"Miami\"}", "id", null),
        new BadInput(io.vertx.core.http.HttpMethod.DELETE, "/api/v1/users/abc", null, "id", null),
        new BadInput(io.vertx.core.http.HttpMethod.GET, "/api/v1/users/abc/favorites", null, "id", null),
        new BadInput(io.vertx.core.http.HttpMethod.PUT, "/api/v1/users/1/favorites/abc", null, "restaurantId", null),
        new BadInput(io.vertx.core.http.HttpMethod.DELETE, "/api/v1/users/1/favorites/abc", null, "restaurantId", null)));
    HttpResponse<Buffer> unknown = auth(client.delete("/api/v1/users/999/favorites/1")).send()
        .await(10, java.util.concurrent.TimeUnit.SECONDS);
    assertProblem(unknown, 404, null);
  }

  @Test
  @DisplayName("POST /api/v1/users creates (201, Location); GET reads; PATCH merges; DELETE answers 204 then 404")
  void user_lifecycle(VertxTestContext ctx) {
    createUser("ada@example.com")
        .compose(created -> {
          ctx.verify(() -> {
            assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
            assertThat(created.getHeader("Location")).isEqualTo("/api/v1/users/1");
            JsonObject body = created.bodyAsJsonObject();
            assertThat(body.getString("email")).isEqualTo("ada@example.com");
            assertThat(body.getJsonObject("preferences")).isEqualTo(new JsonObject().put("kosher_category", "meat"));
          });
          return auth(client.get("/api/v1/users/1")).send();
        })
        .compose(got -> {
          ctx.verify(() -> {
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.bodyAsJsonObject().getString("display_name")).isEqualTo("Ada");
          });
          return auth(client.patch("/api/v1/users/1")).sendJsonObject(new JsonObject().put("home_city", "Miami")
              .put("preferences", new JsonObject().put("price_range", 3)));
        })
        .compose(patched -> {
          ctx.verify(() -> {
            assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
            assertThat(patched.bodyAsJsonObject().getString("home_city")).isEqualTo("Miami");
            assertThat(patched.bodyAsJsonObject().getJsonObject("preferences"))
                .isEqualTo(new JsonObject().put("kosher_category", "meat").put("price_range", 3));
          });
          return auth(client.delete("/api/v1/users/1")).send();
        })
        .compose(deleted -> {
          ctx.verify(() -> assertThat(deleted.statusCode()).isEqualTo(204));
          return auth(client.delete("/api/v1/users/1")).send();
        })
        .compose(again -> {
          ctx.verify(() -> assertProblem(again, 404, null));
          return auth(client.get("/api/v1/users/1")).send();
        })
        .onComplete(ctx.succeeding(gone -> ctx.verify(() -> {
          assertProblem(gone, 404, null);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a duplicate email in another case answers 409 problem without echoing the address")
  void user_duplicate409(VertxTestContext ctx) {
    createUser("grace@example.com")
        .compose(first -> createUser("GRACE@example.com"))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertProblem(second, 409, null);
          assertThat(second.bodyAsString()).doesNotContainIgnoringCase("grace@example.com");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("user writes: 400 naming the field, 401 without token, 415 for non-JSON, 400 for a bad id")
  void user_errors(VertxTestContext ctx) {
    auth(client.post("/api/v1/users")).sendJsonObject(new JsonObject().put("email", "nope"))
        .compose(bad -> {
          ctx.verify(() -> assertProblem(bad, 400, "email"));
          return client.post("/api/v1/users").sendJsonObject(new JsonObject().put("email", "a@example.com"));
        })
        .compose(anonymous -> {
          ctx.verify(() -> assertProblem(anonymous, 401, null));
          return auth(client.post("/api/v1/users")).putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("x"));
        })
        .compose(text -> {
          ctx.verify(() -> assertProblem(text, 415, null));
          return auth(client.patch("/api/v1/users/1")).sendJsonObject(new JsonObject().put("home_city", "x"));
        })
        .compose(missing -> {
          ctx.verify(() -> assertProblem(missing, 404, null));
          return auth(client.get("/api/v1/users/abc")).send();
        })
        .compose(badId -> {
          ctx.verify(() -> assertProblem(badId, 400, "id"));
          return auth(client.patch("/api/v1/users/1")).sendJsonObject(new JsonObject().put("id", 3));
        })
        .onComplete(ctx.succeeding(readOnly -> ctx.verify(() -> {
          assertProblem(readOnly, 400, "id");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("favourites: PUT 201 then 200 (idempotent), GET lists summaries, DELETE 204 twice, 404s")
  void favorites_flow(VertxTestContext ctx) {
    createUser("ada@example.com")
        .compose(u -> auth(client.put("/api/v1/users/1/favorites/2")).send())
        .compose(first -> {
          ctx.verify(() -> {
            assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
            assertThat(first.bodyAsJsonObject()).isEqualTo(new JsonObject()
                .put("user_id", 1).put("restaurant_id", 2).put("added", true));
          });
          return auth(client.put("/api/v1/users/1/favorites/2")).send();
        })
        .compose(second -> {
          ctx.verify(() -> {
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(second.bodyAsJsonObject().getBoolean("added")).isFalse();
          });
          return auth(client.get("/api/v1/users/1/favorites")).send();
        })
        .compose(list -> {
          ctx.verify(() -> {
            assertClean(list);
            assertThat(list.statusCode()).isEqualTo(200);
            JsonObject body = list.bodyAsJsonObject();
            assertThat(body.getInteger("count")).isEqualTo(1);
            assertThat(body.getJsonArray("items").getJsonObject(0).getJsonObject("restaurant").getString("name"))
                .isEqualTo("Bryant Park Grill");
          });
          return auth(client.delete("/api/v1/users/1/favorites/2")).send();
        })
        .compose(removed -> {
          ctx.verify(() -> assertThat(removed.statusCode()).isEqualTo(204));
          return auth(client.delete("/api/v1/users/1/favorites/2")).send();
        })
        .compose(again -> {
          ctx.verify(() -> assertThat(again.statusCode()).isEqualTo(204));
          return auth(client.put("/api/v1/users/1/favorites/999")).send();
        })
        .compose(noRestaurant -> {
          ctx.verify(() -> assertProblem(noRestaurant, 404, null));
          return auth(client.put("/api/v1/users/77/favorites/1")).send();
        })
        .compose(noUser -> {
          ctx.verify(() -> assertProblem(noUser, 404, null));
          return auth(client.get("/api/v1/users/77/favorites")).send();
        })
        .compose(noUserList -> {
          ctx.verify(() -> assertProblem(noUserList, 404, null));
          return client.put("/api/v1/users/1/favorites/2").send();
        })
        .compose(anonymous -> {
          ctx.verify(() -> assertProblem(anonymous, 401, null));
          return client.post("/api/v1/users/1/favorites").send();
        })
        .onComplete(ctx.succeeding(wrongMethod -> ctx.verify(() -> {
          assertProblem(wrongMethod, 405, null);
          assertThat(wrongMethod.getHeader("Allow")).isEqualTo("GET, HEAD");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("10 concurrent PUTs of one favourite store one row: one 201, the rest 200")
  void favorites_concurrentPuts(VertxTestContext ctx) {
    createUser("ada@example.com").onComplete(ctx.succeeding(u -> {
      List<Future<HttpResponse<Buffer>>> puts = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        puts.add(auth(client.put("/api/v1/users/1/favorites/5")).send());
      }
      Future.all(puts).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertThat(puts.stream().filter(p -> p.result().statusCode() == 201).count()).isEqualTo(1);
        assertThat(puts.stream().filter(p -> p.result().statusCode() == 200).count()).isEqualTo(9);
        assertThat(node.queryLong("SELECT count(*) FROM favorites")).isEqualTo(1);
        ctx.completeNow();
      })));
    }));
  }

  // ---- analytics

  @Test
  @DisplayName("an events body over the route's own 4 MiB limit answers 413 naming that limit")
  void events_tooLarge(VertxTestContext ctx) {
    io.vertx.core.buffer.Buffer huge = io.vertx.core.buffer.Buffer.buffer(
        "[{\"type\": \"view\", \"x\": \"" + "x".repeat(5 * 1024 * 1024) + "\"}]");
    auth(client.post("/api/v1/analytics/events")).putHeader("Content-Type", "application/json").sendBuffer(huge)
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(413);
          assertThat(response.bodyAsJsonObject().getString("detail"))
              .contains(Integer.toString(io.consolidb.analytics.AnalyticsLimits.MAX_BATCH_BODY_BYTES));
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("POST /api/v1/analytics/events records a batch (201) and the reports answer the exact numbers")
  void events_thenReports(VertxTestContext ctx) {
    auth(client.post("/api/v1/analytics/events")).sendJson(KnownEvents.all())
        .compose(recorded -> {
          ctx.verify(() -> {
            assertThat(recorded.statusCode()).as(recorded.bodyAsString()).isEqualTo(201);
            assertThat(recorded.bodyAsJsonObject()).isEqualTo(new JsonObject().put("recorded", 17));
          });
          return client.get("/api/v1/analytics/restaurants/top?from=2025-03-01&to=2025-03-05&limit=10").send();
        })
        .compose(top -> {
          ctx.verify(() -> {
            assertThat(top.statusCode()).isEqualTo(200);
            assertThat(top.bodyAsJsonObject().getJsonArray("items")).isEqualTo(KnownEvents.expectedTop());
          });
          return client.get("/api/v1/analytics/active-users?from=2025-03-01&to=2025-03-05").send();
        })
        .compose(dau -> {
          ctx.verify(() -> assertThat(dau.bodyAsJsonObject().getJsonArray("items"))
              .isEqualTo(KnownEvents.expectedActiveUsers()));
          return client.get("/api/v1/analytics/events/counts?from=2025-03-01&to=2025-03-05").send();
        })
        .compose(counts -> {
          ctx.verify(() -> {
            assertThat(counts.bodyAsJsonObject().getJsonArray("items")).isEqualTo(KnownEvents.expectedCounts());
            assertThat(counts.bodyAsJsonObject().getLong("total")).isEqualTo(15);
          });
          return client.get("/api/v1/analytics/events/counts?from=2025-03-01&to=2025-03-05&type=view").send();
        })
        .compose(views -> {
          ctx.verify(() -> assertThat(views.bodyAsJsonObject().getJsonArray("items"))
              .isEqualTo(KnownEvents.expectedViewCounts()));
          return client.get("/api/v1/analytics/restaurants/2/views?from=2025-03-01&to=2025-03-05").send();
        })
        .onComplete(ctx.succeeding(daily -> ctx.verify(() -> {
          assertThat(daily.bodyAsJsonObject().getJsonArray("items")).isEqualTo(KnownEvents.expectedRestaurant2Views());
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("a batch with an invalid event answers 400 listing index and reason of each; nothing stored")
  void events_invalidBatch(VertxTestContext ctx) {
    JsonArray events = KnownEvents.all();
    events.getJsonObject(2).put("user_id", "seven");
    events.getJsonObject(9).remove("restaurant_id");
    auth(client.post("/api/v1/analytics/events")).sendJson(events)
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          JsonObject problem = assertProblem(response, 400, "events");
          assertThat(problem.getJsonArray("errors")).isEqualTo(JsonArray.of(
              new JsonObject().put("index", 2).put("parameter", "user_id").put("reason", "user_id must be a positive integer"),
              new JsonObject().put("index", 9).put("parameter", "restaurant_id").put("reason", "a view needs a restaurant_id")));
          assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isZero();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("events: 1001 answers 413, a non-array body 400, no token 401; a single object is one event")
  void events_errors(VertxTestContext ctx) {
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 1001; i++) {
      tooMany.add(KnownEvents.event("search", 1, null, "2025-03-01T00:00:00Z"));
    }
    auth(client.post("/api/v1/analytics/events")).sendJson(tooMany)
        .compose(large -> {
          ctx.verify(() -> assertProblem(large, 413, null));
          return auth(client.post("/api/v1/analytics/events")).sendJson("view");
        })
        .compose(scalar -> {
          ctx.verify(() -> assertProblem(scalar, 400, "body"));
          return client.post("/api/v1/analytics/events").sendJson(new JsonArray());
        })
        .compose(anonymous -> {
          ctx.verify(() -> assertProblem(anonymous, 401, null));
          return auth(client.post("/api/v1/analytics/events"))
              .sendJsonObject(KnownEvents.event("click", 1, 2, "2025-03-01T00:00:00Z"));
        })
        .onComplete(ctx.succeeding(single -> ctx.verify(() -> {
          assertThat(single.statusCode()).isEqualTo(201);
          assertThat(node.queryLong("SELECT count(*) FROM analytics_events")).isEqualTo(1);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("reports answer 400 naming a bad from, to, limit or type")
  void reports_badParameters(VertxTestContext ctx) {
    client.get("/api/v1/analytics/restaurants/top?from=soon").send()
        .compose(from -> {
          ctx.verify(() -> assertProblem(from, 400, "from"));
          return client.get("/api/v1/analytics/active-users?from=2025-03-05&to=2025-03-01").send();
        })
        .compose(to -> {
          ctx.verify(() -> assertProblem(to, 400, "to"));
          return client.get("/api/v1/analytics/restaurants/top?limit=1000").send();
        })
        .compose(limit -> {
          ctx.verify(() -> assertProblem(limit, 400, "limit"));
          return client.get("/api/v1/analytics/events/counts?type=Bad%20Type").send();
        })
        .compose(type -> {
          ctx.verify(() -> assertProblem(type, 400, "type"));
          return client.get("/api/v1/analytics/restaurants/0/views").send();
        })
        .onComplete(ctx.succeeding(id -> ctx.verify(() -> {
          assertProblem(id, 400, "id");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("GET /api/v1/analytics/users/{id}/activity answers a user's hand-counted activity, privately, to users.read")
  void userActivity_countsAndGuards(VertxTestContext ctx) {
    String path = "/api/v1/analytics/users/3/activity?from=" + KnownEvents.FROM + "&to=" + KnownEvents.TO;
    auth(client.post("/api/v1/analytics/events")).sendJson(KnownEvents.all())
        .compose(recorded -> auth(client.get(path)).send())
        .compose(got -> {
          ctx.verify(() -> {
            assertThat(got.statusCode()).as(got.bodyAsString()).isEqualTo(200);
            assertThat(got.getHeader("Cache-Control")).isEqualTo("private, no-cache");
            JsonObject body = got.bodyAsJsonObject();
            assertThat(body.getLong("user_id")).isEqualTo(3);
            assertThat(body.getLong("total")).isEqualTo(4);
            assertThat(java.time.Instant.parse(body.getString("first_event_at")))
                .isEqualTo(java.time.Instant.parse("2025-03-01T22:30:00Z"));
            assertThat(java.time.Instant.parse(body.getString("last_event_at")))
                .isEqualTo(java.time.Instant.parse("2025-03-02T13:05:00Z"));
            assertThat(body.getJsonArray("by_type")).isEqualTo(JsonArray.of(
                new JsonObject().put("type", "click").put("count", 1),
                new JsonObject().put("type", "favorite").put("count", 1),
                new JsonObject().put("type", "view").put("count", 2)));
            assertThat(body.getJsonArray("days")).isEqualTo(JsonArray.of(
                new JsonObject().put("day", "2025-03-01").put("count", 1),
                new JsonObject().put("day", "2025-03-02").put("count", 3)));
            assertThat(body.getJsonArray("top_restaurants")).isEqualTo(JsonArray.of(
                new JsonObject().put("restaurant_id", 2).put("count", 2),
                new JsonObject().put("restaurant_id", 1).put("count", 1),
                new JsonObject().put("restaurant_id", 3).put("count", 1)));
          });
          return client.get(path).send();
        })
        .compose(anonymous -> {
          ctx.verify(() -> assertProblem(anonymous, 401, null));
          return auth(client.get("/api/v1/analytics/users/77/activity?from=2025-03-01&to=2025-03-05")).send();
        })
        .compose(unknown -> {
          ctx.verify(() -> {
            assertThat(unknown.statusCode()).as("events outlive users: no 404").isEqualTo(200);
            assertThat(unknown.bodyAsJsonObject().getLong("total")).isZero();
            assertThat(unknown.bodyAsJsonObject().getJsonArray("days")).isEmpty();
          });
          return auth(client.get("/api/v1/analytics/users/0/activity")).send();
        })
        .compose(badId -> {
          ctx.verify(() -> assertProblem(badId, 400, "id"));
          return auth(client.get("/api/v1/analytics/users/3/activity?from=2025-03-05&to=2025-03-01")).send();
        })
        .compose(backwards -> {
          ctx.verify(() -> assertProblem(backwards, 400, "to"));
          return auth(client.get("/api/v1/analytics/users/3/activity?from=2024-01-01&to=2025-03-01")).send();
        })
        .onComplete(ctx.succeeding(tooLong -> ctx.verify(() -> {
          assertProblem(tooLong, 400, "to");
          ctx.completeNow();
        })));
  }
}
