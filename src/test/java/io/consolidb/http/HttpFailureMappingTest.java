package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.serviceproxy.ServiceBinder;
import io.vertx.serviceproxy.ServiceException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the HTTP verticle maps service failures to statuses, against a fake restaurant service
 * whose {@code get(id)} fails as told by the id. The fake's messages are written to look like
 * leaks (SQL, exception names, a password): only failure codes consolidb defines may pass a
 * message through, and those come from the real service, which writes its own.
 */
@ExtendWith(VertxExtension.class)
class HttpFailureMappingTest {

  private static final String LEAKY = "ERROR: syntax error at or near \"SELECT\" (password=hunter2)"
      + " java.lang.IllegalStateException at io.consolidb.Foo";

  private WebClient client;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    new ServiceBinder(vertx).setAddress(Addresses.RESTAURANTS).register(RestaurantService.class, new FailingService());
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
        // a short query timeout makes the proxy's own send timeout (query timeout + 1 s) short too
        .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:5432/db").put("queryTimeoutMs", 200));
    TestNode.deployHttp(vertx, config).onComplete(ctx.succeedingThenComplete());
  }

  static Stream<Arguments> mappings() {
    return Stream.of(
        Arguments.of(400, 400), Arguments.of(404, 404), Arguments.of(409, 409), Arguments.of(413, 413),
        Arguments.of(429, 429), Arguments.of(503, 503), Arguments.of(504, 504),
        // Vert.x's own codes and unknown ones are internal: 500
        Arguments.of(-1, 500), Arguments.of(500, 500), Arguments.of(418, 500));
  }

  @ParameterizedTest(name = "failure code {0} answers HTTP {1}")
  @MethodSource("mappings")
  @DisplayName("failure codes map to HTTP statuses in one place")
  void failureCode_mapsToStatus(int code, int status, VertxTestContext ctx) {
    client.get("/api/v1/restaurants/" + (10_000 + code)).send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      JsonObject body = HttpApiTest.assertProblem(response, status, null);
      if (status == 500) {
        assertThat(body.getString("detail")).isEqualTo("an unexpected error occurred");
      }
      assertThat(response.getHeader("Retry-After")).isEqualTo(status == 429 || status == 503 ? "1" : null);
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("an unexpected failure's message never reaches the client")
  void unexpectedFailure_isGeneric(VertxTestContext ctx) {
    client.get("/api/v1/restaurants/1").send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      HttpApiTest.assertProblem(response, 500, null);
      assertThat(response.bodyAsString()).doesNotContain("hunter2").doesNotContain("syntax error");
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("an exception thrown by the service (code 500 on the bus) answers a generic 500")
  void thrownException_isGeneric(VertxTestContext ctx) {
    client.get("/api/v1/restaurants/2").send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      HttpApiTest.assertProblem(response, 500, null);
      assertThat(response.bodyAsString()).doesNotContain("hunter2");
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("a service that never answers gives 504 once the proxy's timeout passes")
  void silentService_is504(VertxTestContext ctx) {
    client.get("/api/v1/restaurants/3").send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      HttpApiTest.assertProblem(response, 504, null);
      ctx.completeNow();
    })));
  }

  @Test
  @DisplayName("an undecodable query string answers 400 problem+json")
  void undecodableQuery_is400(VertxTestContext ctx) {
    client.get("/api/v1/restaurants?city=%zz").send().onComplete(ctx.succeeding(response -> ctx.verify(() -> {
      HttpApiTest.assertProblem(response, 400, null);
      ctx.completeNow();
    })));
  }

  /** get(10000 + code) fails with that code; get(1) fails with a plain exception; get(2) throws; get(3) never answers. */
  private static final class FailingService implements RestaurantService {

    @Override
    public Future<JsonObject> get(long id) {
      if (id == 1) {
        return Future.failedFuture(new IllegalStateException(LEAKY));
      }
      if (id == 2) {
        throw new IllegalStateException(LEAKY);
      }
      if (id == 3) {
        return Future.future(promise -> { });
      }
      int code = (int) (id - 10_000);
      String message = FailureCodes.isDomainCode(code) ? "restaurant service says " + code : LEAKY;
      return Future.failedFuture(new ServiceException(code, message));
    }

    @Override
    public Future<JsonObject> near(double latitude, double longitude, double radiusKm, int limit) {
      return Future.failedFuture(new ServiceException(FailureCodes.UNAVAILABLE, "fake"));
    }

    @Override
    public Future<JsonObject> byCity(String city, int page, int size) {
      return Future.failedFuture(new ServiceException(FailureCodes.UNAVAILABLE, "fake"));
    }

    @Override
    public Future<JsonObject> search(String query, int limit) {
      return Future.failedFuture(new ServiceException(FailureCodes.UNAVAILABLE, "fake"));
    }

    @Override
    public Future<JsonObject> nearFiltered(double latitude, double longitude, double radiusKm, int limit, JsonObject filters) {
      return near(latitude, longitude, radiusKm, limit);
    }

    @Override
    public Future<JsonObject> byCityFiltered(String city, int page, int size, JsonObject filters) {
      return byCity(city, page, size);
    }

    @Override
    public Future<JsonObject> byCityAfter(String city, String cursor, int size, JsonObject filters) {
      return byCity(city, 1, size);
    }

    @Override
    public Future<JsonObject> searchFiltered(String query, int limit, JsonObject filters) {
      return search(query, limit);
    }

    @Override
    public Future<JsonObject> create(JsonObject restaurant) {
      return Future.failedFuture(new ServiceException(FailureCodes.UNAVAILABLE, "fake"));
    }

    @Override
    public Future<JsonObject> update(long id, JsonObject changes) {
      return Future.failedFuture(new ServiceException(FailureCodes.UNAVAILABLE, "fake"));
    }

    @Override
    public Future<JsonObject> delete(long id) {
      return Future.failedFuture(new ServiceException(FailureCodes.UNAVAILABLE, "fake"));
    }

    @Override
    public Future<JsonObject> createIdempotent(JsonObject restaurant, String idempotencyKey) {
      return create(restaurant);
    }

    @Override
    public Future<JsonObject> updateIdempotent(long id, JsonObject changes, String idempotencyKey) {
      return update(id, changes);
    }

    @Override
    public Future<JsonObject> deleteIdempotent(long id, String idempotencyKey) {
      return delete(id);
    }
  }
}
