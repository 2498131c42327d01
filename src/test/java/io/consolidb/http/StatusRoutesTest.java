package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.AccessTokens;
import io.consolidb.config.AuthLimits;
import io.consolidb.config.HttpLimits.RouteLimit;
import io.consolidb.config.Scope;
import io.consolidb.config.TokenGrant;
import io.consolidb.metrics.TrafficSeries;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The status page's routes on a bare router (no monitor, no metrics behind the data): the three
 * files exactly as built, their headers, HEAD, the methods each path allows, and the data's token.
 */
@DisplayName("Status page routes")
class StatusRoutesTest {

  private static final String METRICS = "metrics-token-7c2d1e9f40";
  private static BareRouter routes;

  /**
   * Per test, not per class: PIT gives the coverage of a {@code @BeforeAll} to one test only,
   * and would try a mutant of {@code mount} or of the file loading against that one alone.
   */
  @BeforeEach
  void start() throws Exception {
    Authenticator auth = new Authenticator(new AccessTokens(List.of(
        new TokenGrant("scraper", METRICS, EnumSet.of(Scope.METRICS)))),
        new FailedAuthentications(new AuthLimits(100, 60, 60, 1000), new SimpleMeterRegistry()));
    routes = BareRouter.serving((vertx, router) -> {
      StatusData data = new StatusData(vertx, new TrafficSeries(new SimpleMeterRegistry(), 10, StatusRoutes.PAGE), 5_000);
      Bulkhead admin = new Bulkhead(vertx, RouteClass.ADMIN, new RouteLimit(4, 4), 1000, new SimpleMeterRegistry());
      Await.result(StatusRoutes.load(vertx, data)).mount(router, auth, admin);
    });
  }

  @AfterEach
  void stop() throws Exception {
    routes.close();
  }

  private static HttpResponse<Buffer> call(HttpMethod method, String uri, String token) throws Exception {
    HttpRequest<Buffer> request = routes.request(method, uri);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.send().await(10, TimeUnit.SECONDS);
  }

  private static byte[] built(String name) throws Exception {
    try (InputStream in = StatusRoutesTest.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  @DisplayName("each file is served as built, with its type, the page's security headers and no-store; HEAD gives GET's length and no body")
  void files() throws Exception {
    for (var file : List.of(List.of(StatusRoutes.PAGE, "status/index.html", "text/html; charset=utf-8"),
        List.of(StatusRoutes.SCRIPT, "status/app.js", "text/javascript; charset=utf-8"),
        List.of(StatusRoutes.STYLE, "status/app.css", "text/css; charset=utf-8"))) {
      byte[] bytes = built(file.get(1));
      HttpResponse<Buffer> got = call(HttpMethod.GET, file.get(0), null);
      assertThat(got.statusCode()).isEqualTo(200);
      assertThat(got.body().getBytes()).as(file.get(0)).isEqualTo(bytes);
      assertThat(got.getHeader("Content-Type")).isEqualTo(file.get(2));
      assertThat(got.getHeader("Content-Security-Policy")).isEqualTo(StatusRoutes.CONTENT_SECURITY_POLICY);
      assertThat(got.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(got.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
      assertThat(got.getHeader("Cache-Control")).isEqualTo("no-store");

      HttpResponse<Buffer> head = call(HttpMethod.HEAD, file.get(0), null);
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.getHeader("Content-Length")).isEqualTo(Integer.toString(bytes.length));
      assertThat(head.body()).isNull();
    }
  }

  @Test
  @DisplayName("every path allows GET and HEAD only: OPTIONS lists them, another method is a 405")
  void allow() throws Exception {
    for (String path : List.of(StatusRoutes.PAGE, StatusRoutes.SCRIPT, StatusRoutes.STYLE, StatusRoutes.DATA)) {
      HttpResponse<Buffer> options = call(HttpMethod.OPTIONS, path, null);
      assertThat(options.statusCode()).as(path).isEqualTo(204);
      assertThat(options.getHeader("Allow")).as(path).isEqualTo("GET, HEAD");
      HttpResponse<Buffer> post = call(HttpMethod.POST, path, METRICS);
      assertThat(post.statusCode()).as(path).isEqualTo(405);
      assertThat(post.getHeader("Content-Type")).as(path).isEqualTo("application/problem+json");
    }
  }

  @Test
  @DisplayName("the data: 401 without a token, JSON never stored with one, HEAD with its length")
  void data() throws Exception {
    assertThat(call(HttpMethod.GET, StatusRoutes.DATA, null).statusCode()).isEqualTo(401);

    HttpResponse<Buffer> data = call(HttpMethod.GET, StatusRoutes.DATA, METRICS);
    assertThat(data.statusCode()).isEqualTo(200);
    assertThat(data.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(data.getHeader("Cache-Control")).isEqualTo("no-store");
    assertThat(data.bodyAsJsonObject().getJsonObject("health").getString("status")).isEqualTo("UNKNOWN");
    assertThat(data.bodyAsJsonObject().containsKey("slow_queries")).as("not for a token without admin").isFalse();

    HttpResponse<Buffer> head = call(HttpMethod.HEAD, StatusRoutes.DATA, METRICS);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(Integer.parseInt(head.getHeader("Content-Length"))).isPositive();
    assertThat(head.body()).isNull();
  }
}
