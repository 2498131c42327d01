package io.consolidb.http;

import static io.consolidb.http.KnownRestaurants.CENTRE_LAT;
import static io.consolidb.http.KnownRestaurants.CENTRE_LNG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP API end to end: a deployed node (query verticle, restaurant service, HTTP verticle) on
 * a free port over a private, seeded schema, called with vertx-web-client.
 */
@ExtendWith(VertxExtension.class)
class HttpApiTest {

  private static final String TOKEN = "test-api-token-6f1c";
  private static final String JSON = "application/json";
  private static final String PROBLEM = "application/problem+json";

  private static TestNode node;
  private WebClient client;
  private int port;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("http_api");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.reseed();
    port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = node.config(port, TOKEN);
    TestNode.deployServicesAndHttp(vertx, config, true)
        .onComplete(ctx.succeedingThenComplete());
  }

  // ---- health

  @Test
  @DisplayName("GET /health/live answers 200 {status: UP}")
  void live(VertxTestContext ctx) {
    expectJson(ctx, client.get("/health/live").send(), 200, body ->
        assertThat(body).isEqualTo(new JsonObject().put("status", "UP")));
  }

  @Test
  @DisplayName("GET /health/ready answers 200 {status: UP} when the database answers")
  void ready(VertxTestContext ctx) {
    // DEGRADED is also ready: on a loaded machine a slow round trip may say so, and that is right.
    expectJson(ctx, client.get("/health/ready").send(), 200, body -> {
      assertThat(body.getString("status")).isEqualTo("UP");
      assertThat(body.getString("level")).isIn("HEALTHY", "DEGRADED");
    });
  }

  // ---- reads

  @Test
  @DisplayName("GET /api/v1/restaurants/{id} answers the restaurant")
  void get_existing(VertxTestContext ctx) {
    expectJson(ctx, client.get("/api/v1/restaurants/2").send(), 200, body -> {
      assertThat(body.getLong("id")).isEqualTo(2L);
      assertThat(body.getString("name")).isEqualTo("Bryant Park Grill");
      assertThat(body.getString("city")).isEqualTo("New York");
      assertThat(body.getDouble("latitude")).isEqualTo(40.7536);
      assertThat(body.getDouble("longitude")).isEqualTo(-73.9832);
    });
  }

  @Test
  @DisplayName("a node without read replicas ignores X-Consolidb-LSN, even a malformed one, and answers none")
  void withoutReplicas_lsnHeaderIgnored(VertxTestContext ctx) {
    client.get("/api/v1/restaurants/2").putHeader("X-Consolidb-LSN", "yesterday").send()
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.getHeader("X-Consolidb-LSN")).isNull();
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("GET /api/v1/restaurants/{id} of a missing id answers 404 problem")
  void get_missing(VertxTestContext ctx) {
    expectProblem(ctx, client.get("/api/v1/restaurants/9999").send(), 404, null);
  }

  @Test
  @DisplayName("GET /api/v1/restaurants?lat&lng&radius_km&limit answers the nearest first, each with distance_km")
  void near(VertxTestContext ctx) {
    List<KnownRestaurants.Seed> expected = KnownRestaurants.near(KnownRestaurants.MANHATTAN_RADIUS_KM);
    HttpRequest<Buffer> request = client.get("/api/v1/restaurants")
        .addQueryParam("lat", Double.toString(CENTRE_LAT))
        .addQueryParam("lng", Double.toString(CENTRE_LNG))
        .addQueryParam("radius_km", Double.toString(KnownRestaurants.MANHATTAN_RADIUS_KM))
        .addQueryParam("limit", "50");
    expectJson(ctx, request.send(), 200, body -> {
      JsonArray items = body.getJsonArray("items");
      assertThat(body.getInteger("count")).isEqualTo(expected.size());
      assertThat(names(items)).containsExactlyElementsOf(expected.stream().map(KnownRestaurants.Seed::name).toList());
      for (int i = 0; i < items.size(); i++) {
        assertThat(items.getJsonObject(i).getDouble("distance_km"))
            .isCloseTo(expected.get(i).distanceKmFrom(CENTRE_LAT, CENTRE_LNG), within(0.01));
      }
    });
  }

  @Test
  @DisplayName("GET /api/v1/restaurants?lat&lng defaults radius and limit")
  void near_defaults(VertxTestContext ctx) {
    expectJson(ctx, client.get("/api/v1/restaurants?lat=40.7580&lng=-73.9855").send(), 200, body ->
        // the default 10 km radius reaches Brooklyn too
        assertThat(body.getInteger("count")).isEqualTo(6));
  }

  @Test
  @DisplayName("GET /api/v1/restaurants?city&page&size answers one page of the city, by name")
  void byCity(VertxTestContext ctx) {
    expectJson(ctx, client.get("/api/v1/restaurants?city=New%20York&page=2&size=2").send(), 200, body -> {
      assertThat(names(body.getJsonArray("items"))).containsExactlyElementsOf(
          KnownRestaurants.newYorkNames().subList(2, 4));
      assertThat(body.getInteger("count")).isEqualTo(2);
      assertThat(body.getInteger("page")).isEqualTo(2);
      assertThat(body.getInteger("size")).isEqualTo(2);
      assertThat(body.getBoolean("has_more")).isTrue();
    });
  }

  @Test
  @DisplayName("GET /api/v1/restaurants/search?q answers the matches")
  void search(VertxTestContext ctx) {
    expectJson(ctx, client.get("/api/v1/restaurants/search?q=kosher%20grill&limit=5").send(), 200, body -> {
      assertThat(names(body.getJsonArray("items"))).containsExactly("Brooklyn Kosher Grill");
      assertThat(body.getInteger("count")).isEqualTo(1);
    });
  }

  static Stream<Arguments> badQueries() {
    return Stream.of(
        Arguments.of("/api/v1/restaurants?lat=999&lng=0", "lat"),
        Arguments.of("/api/v1/restaurants?lat=abc&lng=0", "lat"),
        Arguments.of("/api/v1/restaurants?lat=NaN&lng=0", "lat"),
        Arguments.of("/api/v1/restaurants?lat=0x1p3&lng=0", "lat"),
        Arguments.of("/api/v1/restaurants?lat=1&lat=2&lng=0", "lat"),
        Arguments.of("/api/v1/restaurants?lat=40&lng=-200", "lng"),
        Arguments.of("/api/v1/restaurants?lat=40", "lng"),
        Arguments.of("/api/v1/restaurants?lat=40&lng=-73&radius_km=-1", "radius_km"),
        Arguments.of("/api/v1/restaurants?lat=40&lng=-73&radius_km=1000", "radius_km"),
        Arguments.of("/api/v1/restaurants?lat=40&lng=-73&limit=0", "limit"),
        Arguments.of("/api/v1/restaurants?lat=40&lng=-73&limit=ten", "limit"),
        Arguments.of("/api/v1/restaurants?city=Miami&size=100000", "size"),
        Arguments.of("/api/v1/restaurants?city=Miami&size=99999999999", "size"),
        Arguments.of("/api/v1/restaurants?city=Miami&page=0", "page"),
        Arguments.of("/api/v1/restaurants?city=", "city"),
        Arguments.of("/api/v1/restaurants/search?q=", "q"),
        Arguments.of("/api/v1/restaurants/search", "q"),
        Arguments.of("/api/v1/restaurants/search?q=" + "x".repeat(201), "q"),
        Arguments.of("/api/v1/restaurants/search?q=pizza&limit=1000", "limit"),
        Arguments.of("/api/v1/restaurants/abc", "id"),
        Arguments.of("/api/v1/restaurants/-5", "id"));
  }

  @ParameterizedTest(name = "GET {0} answers 400 naming {1}")
  @MethodSource("badQueries")
  @DisplayName("bad query parameters answer 400 problem+json naming the parameter")
  void badQuery(String uri, String parameter, VertxTestContext ctx) {
    expectProblem(ctx, client.get(uri).send(), 400, parameter);
  }

  @Test
  @DisplayName("GET /api/v1/restaurants without lat/lng or city answers 400 naming them")
  void list_withoutCriteria(VertxTestContext ctx) {
    expectProblem(ctx, client.get("/api/v1/restaurants").send(), 400, null, body ->
        assertThat(body.getJsonArray("parameters")).containsExactly("lat", "lng", "city"));
  }

  @Test
  @DisplayName("GET /api/v1/restaurants with both a point and a city answers 400")
  void list_bothCriteria(VertxTestContext ctx) {
    expectProblem(ctx, client.get("/api/v1/restaurants?lat=1&lng=1&city=Miami").send(), 400, null, body ->
        assertThat(body.getJsonArray("parameters")).contains("city"));
  }

  // ---- writes

  @Test
  @DisplayName("POST /api/v1/restaurants with the token answers 201, a Location and the stored row")
  void create(VertxTestContext ctx) {
    JsonObject input = new JsonObject().put("name", "Kosher Sushi Bar").put("city", "Miami")
        .put("latitude", 25.79).put("longitude", -80.13).put("price_range", 3);
    authorized(client.post("/api/v1/restaurants")).sendJsonObject(input)
        .compose(response -> {
          ctx.verify(() -> {
            assertClean(response);
            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(response.getHeader("Content-Type")).isEqualTo(JSON);
            JsonObject body = response.bodyAsJsonObject();
            assertThat(body.getString("name")).isEqualTo("Kosher Sushi Bar");
            assertThat(body.getString("status")).isEqualTo("open");
            assertThat(response.getHeader("Location")).isEqualTo("/api/v1/restaurants/" + body.getLong("id"));
          });
          return client.get(response.getHeader("Location")).send();
        })
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.bodyAsJsonObject().getString("name")).isEqualTo("Kosher Sushi Bar");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("POST with an invalid field answers 400 naming the field")
  void create_invalidField(VertxTestContext ctx) {
    JsonObject input = new JsonObject().put("name", "Cafe").put("city", "Miami")
        .put("latitude", 999).put("longitude", -80.13);
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants")).sendJsonObject(input), 400, "latitude");
  }

  @Test
  @DisplayName("POST with an unknown field answers 400 naming it")
  void create_unknownField(VertxTestContext ctx) {
    JsonObject input = new JsonObject().put("name", "Cafe").put("city", "Miami")
        .put("latitude", 25.0).put("longitude", -80.13).put("stars", 5);
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants")).sendJsonObject(input), 400, "stars");
  }

  @Test
  @DisplayName("POST with malformed JSON answers 400 naming the body")
  void create_malformedJson(VertxTestContext ctx) {
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants")).putHeader("Content-Type", JSON)
        .sendBuffer(Buffer.buffer("{\"name\": \"Cafe\", ")), 400, "body");
  }

  @Test
  @DisplayName("POST with a JSON array answers 400 naming the body")
  void create_notAnObject(VertxTestContext ctx) {
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants")).putHeader("Content-Type", JSON)
        .sendBuffer(Buffer.buffer("[1, 2]")), 400, "body");
  }

  @Test
  @DisplayName("POST with an empty body answers 400 naming the body")
  void create_emptyBody(VertxTestContext ctx) {
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants")).putHeader("Content-Type", JSON)
        .sendBuffer(Buffer.buffer()), 400, "body");
  }

  @Test
  @DisplayName("POST with a form body answers 415")
  void create_notJson(VertxTestContext ctx) {
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants"))
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("name=Cafe")), 415, null);
  }

  @Test
  @DisplayName("POST with a body of several megabytes answers 413 problem+json")
  void create_tooLarge(VertxTestContext ctx) {
    Buffer huge = Buffer.buffer("{\"name\": \"" + "x".repeat(3 * 1024 * 1024) + "\"}");
    expectProblem(ctx, authorized(client.post("/api/v1/restaurants")).putHeader("Content-Type", JSON)
        .sendBuffer(huge), 413, null);
  }

  @Test
  @DisplayName("a too-large upload that stalls gets its 413, then the node closes the connection itself")
  void create_tooLargeStalled(Vertx vertx) throws Exception {
    // a raw client that neither finishes its body nor honours Connection: close
    RawConnection upload = RawConnection.postPart(vertx, port, "/api/v1/restaurants",
        "Content-Type: " + JSON + "\r\nAuthorization: Bearer " + TOKEN + "\r\n", 3 * 1024 * 1024, "{\"name\": \"");
    io.consolidb.testsupport.Await.until("the 413 arrives", 5_000, () -> upload.received().contains("\"status\":413"));
    assertThat(upload.received()).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
    io.consolidb.testsupport.Await.until("the node closes the connection", (int) UnreadBody.LINGER_MS + 5_000,
        upload::isClosed);
  }

  @Test
  @DisplayName("a chunked body (no Content-Length) beyond the limit answers 413 problem+json")
  void create_tooLargeChunked(Vertx vertx, VertxTestContext ctx) {
    HttpClient http = vertx.createHttpClient();
    Buffer chunk = Buffer.buffer("x".repeat(16 * 1024));
    http.request(HttpMethod.POST, port, "127.0.0.1", "/api/v1/restaurants")
        .compose(request -> {
          request.setChunked(true)
              .putHeader("Content-Type", JSON)
              .putHeader("Authorization", "Bearer " + TOKEN);
          writeChunks(request, chunk, 200); // 3.2 MB
          return request.response();
        })
        .compose(response -> response.body().map(body -> {
          ctx.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.getHeader("Content-Type")).isEqualTo(PROBLEM);
            assertThat(new JsonObject(body).getInteger("status")).isEqualTo(413);
          });
          return body;
        }))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static void writeChunks(HttpClientRequest request, Buffer chunk, int count) {
    if (count == 0) {
      request.end();
      return;
    }
    // One chunk after another: the server stops reading once it has answered 413.
    request.write(chunk).onSuccess(v -> writeChunks(request, chunk, count - 1));
  }

  @Test
  @DisplayName("POST without a token answers 401 with a Bearer challenge")
  void create_noToken(VertxTestContext ctx) {
    client.post("/api/v1/restaurants").sendJsonObject(new JsonObject().put("name", "x"))
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertProblem(response, 401, null);
          assertThat(response.getHeader("WWW-Authenticate")).startsWith("Bearer");
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("POST with a wrong token answers 401")
  void create_wrongToken(VertxTestContext ctx) {
    expectProblem(ctx, client.post("/api/v1/restaurants").bearerTokenAuthentication(TOKEN + "x")
        .sendJsonObject(new JsonObject().put("name", "x")), 401, null);
  }

  @Test
  @DisplayName("POST with Basic credentials answers 401")
  void create_basicAuth(VertxTestContext ctx) {
    expectProblem(ctx, client.post("/api/v1/restaurants").basicAuthentication("admin", TOKEN)
        .sendJsonObject(new JsonObject().put("name", "x")), 401, null);
  }

  @Test
  @DisplayName("writes answer 403 on a node that has no API token configured")
  void create_noTokenConfigured(Vertx vertx, VertxTestContext ctx) {
    int otherPort = TestNode.freePort();
    TestNode.deployHttp(vertx, node.config(otherPort, ""))
        .compose(id -> WebClient.create(vertx).post(otherPort, "127.0.0.1", "/api/v1/restaurants")
            .bearerTokenAuthentication(TOKEN)
            .sendJsonObject(new JsonObject().put("name", "x")))
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertProblem(response, 403, null);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("PUT /api/v1/restaurants/{id} with the token answers the updated row")
  void update(VertxTestContext ctx) {
    expectJson(ctx, authorized(client.put("/api/v1/restaurants/3"))
        .sendJsonObject(new JsonObject().put("rating", 4.9).put("phone", "+1 212 555 0199")), 200, body -> {
          assertThat(body.getLong("id")).isEqualTo(3L);
          assertThat(body.getDouble("rating")).isEqualTo(4.9);
          assertThat(body.getString("phone")).isEqualTo("+1 212 555 0199");
          assertThat(body.getString("name")).isEqualTo("Empire Bagels");
        });
  }

  @Test
  @DisplayName("PATCH works like PUT")
  void update_patch(VertxTestContext ctx) {
    expectJson(ctx, authorized(client.request(HttpMethod.PATCH, "/api/v1/restaurants/3"))
        .putHeader("Content-Type", "application/merge-patch+json")
        .sendBuffer(Buffer.buffer("{\"status\": \"closed\"}")), 200, body ->
        assertThat(body.getString("status")).isEqualTo("closed"));
  }

  @Test
  @DisplayName("PUT of a missing id answers 404; PUT without a token answers 401")
  void update_missingAndUnauthorized(VertxTestContext ctx) {
    authorized(client.put("/api/v1/restaurants/9999")).sendJsonObject(new JsonObject().put("rating", 1))
        .compose(missing -> {
          ctx.verify(() -> assertProblem(missing, 404, null));
          return client.put("/api/v1/restaurants/1").sendJsonObject(new JsonObject().put("rating", 1));
        })
        .onComplete(ctx.succeeding(unauthorized -> ctx.verify(() -> {
          assertProblem(unauthorized, 401, null);
          ctx.completeNow();
        })));
  }

  @Test
  @DisplayName("PUT clearing a required field answers 400 naming it")
  void update_clearRequired(VertxTestContext ctx) {
    expectProblem(ctx, authorized(client.put("/api/v1/restaurants/1")).putHeader("Content-Type", JSON)
        .sendBuffer(Buffer.buffer("{\"city\": null}")), 400, "city");
  }

  @Test
  @DisplayName("DELETE answers 204, then the restaurant is gone (404)")
  void delete(VertxTestContext ctx) {
    authorized(client.delete("/api/v1/restaurants/8")).send()
        .compose(deleted -> {
          ctx.verify(() -> {
            assertThat(deleted.statusCode()).isEqualTo(204);
            assertThat(deleted.body()).isNull();
          });
          return client.get("/api/v1/restaurants/8").send();
        })
        .compose(gone -> {
          ctx.verify(() -> assertProblem(gone, 404, null));
          return authorized(client.delete("/api/v1/restaurants/8")).send();
        })
        .compose(again -> {
          ctx.verify(() -> assertProblem(again, 404, null));
          return client.delete("/api/v1/restaurants/1").send();
        })
        .onComplete(ctx.succeeding(unauthorized -> ctx.verify(() -> {
          assertProblem(unauthorized, 401, null);
          ctx.completeNow();
        })));
  }

  // ---- routing

  @Test
  @DisplayName("an unknown route answers 404 problem+json")
  void unknownRoute(VertxTestContext ctx) {
    expectProblem(ctx, client.get("/api/v1/nothing-here").send(), 404, null);
  }

  @Test
  @DisplayName("a wrong method answers 405 problem+json with the allowed methods")
  void wrongMethod(VertxTestContext ctx) {
    client.delete("/api/v1/restaurants").send()
        .compose(list -> {
          ctx.verify(() -> {
            assertProblem(list, 405, null);
            assertThat(list.getHeader("Allow")).isEqualTo("GET, HEAD, POST");
          });
          return client.post("/api/v1/restaurants/1").sendJsonObject(new JsonObject());
        })
        .compose(one -> {
          ctx.verify(() -> {
            assertProblem(one, 405, null);
            assertThat(one.getHeader("Allow")).isEqualTo("GET, HEAD, PUT, PATCH, DELETE");
          });
          return client.delete("/api/v1/restaurants/search").send();
        })
        .compose(search -> {
          ctx.verify(() -> assertProblem(search, 405, null));
          return client.post("/health/live").send();
        })
        .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
          assertProblem(live, 405, null);
          ctx.completeNow();
        })));
  }

  // ---- helpers

  private static HttpRequest<Buffer> authorized(HttpRequest<Buffer> request) {
    return request.bearerTokenAuthentication(TOKEN);
  }

  private static List<String> names(JsonArray items) {
    return items.stream().map(item -> ((JsonObject) item).getString("name")).toList();
  }

  interface BodyCheck {
    void check(JsonObject body) throws Throwable;
  }

  private static void expectJson(VertxTestContext ctx, Future<HttpResponse<Buffer>> call, int status, BodyCheck check) {
    call.onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      assertClean(response);
      assertThat(response.statusCode()).as("status of %s", response.bodyAsString()).isEqualTo(status);
      assertThat(response.getHeader("Content-Type")).isEqualTo(JSON);
      check.check(response.bodyAsJsonObject());
      ctx.completeNow();
    })));
  }

  private static void expectProblem(VertxTestContext ctx, Future<HttpResponse<Buffer>> call, int status,
      String parameter) {
    expectProblem(ctx, call, status, parameter, body -> { });
  }

  private static void expectProblem(VertxTestContext ctx, Future<HttpResponse<Buffer>> call, int status,
      String parameter, BodyCheck check) {
    call.onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      JsonObject body = assertProblem(response, status, parameter);
      check.check(body);
      ctx.completeNow();
    })));
  }

  /** An RFC 9457 body with the status, a detail, the parameter when given, and nothing internal. */
  static JsonObject assertProblem(HttpResponse<Buffer> response, int status, String parameter) {
    assertClean(response);
    assertThat(response.statusCode()).as("status of %s", response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo(PROBLEM);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("type")).isEqualTo("about:blank");
    assertThat(body.getString("title")).isNotBlank();
    assertThat(body.getInteger("status")).isEqualTo(status);
    assertThat(body.getString("detail")).isNotBlank();
    if (parameter != null) {
      assertThat(body.getString("parameter")).as("parameter of %s", body).isEqualTo(parameter);
      assertThat(body.getString("detail")).contains(parameter);
    }
    return body;
  }

  /** No response body may show SQL, a stack trace or the database password. */
  static void assertClean(HttpResponse<Buffer> response) {
    String body = response.bodyAsString();
    if (body == null) {
      return;
    }
    assertThat(body).doesNotContainIgnoringCase("SELECT")
        .doesNotContain("Exception")
        .doesNotContain("at io.")
        .doesNotContain(TestNode.databasePassword());
  }
}
