package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.CorsSettings;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The CORS handler the settings build, on a bare router with one route, seen from a client that
 * sends what a browser sends ({@code Origin}, a preflight's {@code Access-Control-Request-*});
 * {@link CorsBrowserTest} checks a real browser's verdict on the node.
 */
@DisplayName("CORS policy")
class CorsPolicyTest {

  private static final String APP = "https://app.example.com";
  private static final List<String> HEADERS = List.of("Authorization", "Content-Type", "Idempotency-Key");

  private static BareRouter serving(CorsSettings settings) throws Exception {
    CorsHandler cors = CorsPolicy.handler(settings);
    return BareRouter.serving(router -> {
      router.route().handler(cors);
      router.get("/api/v1/things").handler(ctx -> ctx.response().end("[]"));
      router.route().failureHandler(ctx -> ctx.response().setStatusCode(ctx.statusCode())
          .end(String.valueOf(ctx.failure() == null ? "" : ctx.failure().getMessage())));
    });
  }

  private static HttpResponse<Buffer> preflight(BareRouter bare, String origin, String method) throws Exception {
    return bare.request(HttpMethod.OPTIONS, "/api/v1/things").putHeader("Origin", origin)
        .putHeader("Access-Control-Request-Method", method)
        .putHeader("Access-Control-Request-Headers", "authorization,content-type")
        .send().await(10, TimeUnit.SECONDS);
  }

  private static List<String> list(String header) {
    return header == null ? List.of() : Arrays.stream(header.split(",")).map(String::strip).toList();
  }

  @Test
  @DisplayName("no origin allowed: no handler at all")
  void off() {
    assertThat(CorsPolicy.handler(new CorsSettings(List.of(), List.of("GET"), HEADERS, false, 600))).isNull();
  }

  @Test
  @DisplayName("a named origin: its preflight is answered with the methods, headers, max age and credentials of the settings")
  void namedOrigin_preflight() throws Exception {
    try (BareRouter bare = serving(new CorsSettings(List.of(APP), List.of("GET", "POST"), HEADERS, true, 900))) {
      HttpResponse<Buffer> answer = preflight(bare, APP, "POST");

      assertThat(answer.statusCode()).isEqualTo(204);
      assertThat(answer.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP);
      assertThat(list(answer.getHeader("Access-Control-Allow-Methods"))).containsExactlyInAnyOrder("GET", "POST");
      assertThat(list(answer.getHeader("Access-Control-Allow-Headers"))).containsExactlyInAnyOrderElementsOf(HEADERS);
      assertThat(answer.getHeader("Access-Control-Max-Age")).isEqualTo("900");
      assertThat(answer.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
    }
  }

  @Test
  @DisplayName("a named origin's request: answered, with the headers a browser application reads exposed")
  void namedOrigin_request() throws Exception {
    try (BareRouter bare = serving(new CorsSettings(List.of(APP), List.of("GET"), HEADERS, false, 600))) {
      HttpResponse<Buffer> answer = bare.request(HttpMethod.GET, "/api/v1/things").putHeader("Origin", APP)
          .send().await(10, TimeUnit.SECONDS);

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP);
      assertThat(answer.getHeader("Access-Control-Allow-Credentials")).isNull();
      assertThat(list(answer.getHeader("Access-Control-Expose-Headers"))).containsExactlyInAnyOrder("Age", "ETag",
          "Location", "Retry-After", "X-Cache", "Idempotency-Replayed", "X-Request-Id", "X-Consolidb-LSN");
    }
  }

  @Test
  @DisplayName("another origin: refused with vertx-web's failure, which the node maps to its 403 problem")
  void otherOrigin_refused() throws Exception {
    try (BareRouter bare = serving(new CorsSettings(List.of(APP), List.of("GET"), HEADERS, false, 600))) {
      HttpResponse<Buffer> answer = bare.request(HttpMethod.GET, "/api/v1/things")
          .putHeader("Origin", "https://evil.example.com").send().await(10, TimeUnit.SECONDS);

      assertThat(answer.statusCode()).isEqualTo(403);
      assertThat(answer.bodyAsString()).isEqualTo(CorsPolicy.REJECTED);
      assertThat(answer.getHeader("Access-Control-Allow-Origin")).isNull();
    }
  }

  @Test
  @DisplayName("a method the settings leave out is not offered in the preflight")
  void methodLeftOut() throws Exception {
    try (BareRouter bare = serving(new CorsSettings(List.of(APP), List.of("GET"), HEADERS, false, 600))) {
      HttpResponse<Buffer> answer = preflight(bare, APP, "DELETE");

      assertThat(list(answer.getHeader("Access-Control-Allow-Methods"))).containsExactly("GET");
    }
  }

  @Test
  @DisplayName("*: any origin may call, without credentials")
  void anyOrigin() throws Exception {
    try (BareRouter bare = serving(new CorsSettings(List.of("*"), List.of("GET"), HEADERS, false, 600))) {
      HttpResponse<Buffer> answer = bare.request(HttpMethod.GET, "/api/v1/things")
          .putHeader("Origin", "https://anywhere.example.org").send().await(10, TimeUnit.SECONDS);

      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
    }
  }
}
