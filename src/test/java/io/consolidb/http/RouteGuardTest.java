package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.Scope;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * Every operation of docs/openapi.yaml (which OpenApiDocumentTest keeps equal to the router), on a
 * node with its services, PostgreSQL and the metrics component: an operation that declares a
 * scope answers 401 without a token and with a wrong one, 403 naming the scope (never the token)
 * to a valid token that holds every scope but that one, and lets a token holding only that scope
 * through; an operation without a requirement is served without a token. Which operations must
 * declare one (writes, user reads and user activity, /admin, /metrics, /status/data) is checked here too, so a new operation is
 * covered as soon as it is documented.
 */
class RouteGuardTest {

  private static final Path DOCUMENT = Path.of("docs/openapi.yaml");
  /** One token per scope, and for each scope a token holding all the others. */
  private static final Map<Scope, String> ONLY = new EnumMap<>(Scope.class);
  private static final Map<Scope, String> ALL_BUT = new EnumMap<>(Scope.class);

  private static TestNode node;
  private static Vertx vertx;
  private static WebClient client;

  /** One documented operation and the scope it declares (null: public). */
  private record Operation(String method, String path, Scope scope) {
    String uri() {
      return path.replace("{id}", "1").replace("{restaurantId}", "1");
    }

    @Override
    public String toString() {
      return method.toUpperCase(Locale.ROOT) + " " + path + " (" + (scope == null ? "public" : scope.label()) + ")";
    }
  }

  @BeforeAll
  static void start() {
    StringBuilder entries = new StringBuilder();
    for (Scope scope : Scope.values()) {
      ONLY.put(scope, "only-" + scope.label() + "-5d1e");
      ALL_BUT.put(scope, "all-but-" + scope.label() + "-77c0");
      String others = Arrays.stream(Scope.values()).filter(s -> s != scope).map(Scope::label)
          .collect(Collectors.joining(","));
      entries.append("only-").append(scope.label()).append(':').append(scope.label()).append(':')
          .append(ONLY.get(scope)).append(";\n")
          .append("all-but-").append(scope.label()).append(':').append(others).append(':')
          .append(ALL_BUT.get(scope)).append(';');
    }
    node = TestNode.create("route_guard");
    node.reseed();
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = node.config(port, "");
    config.getJsonObject("http").put("tokens", entries.toString())
        // this test sends dozens of wrong tokens on purpose
        .put("auth", new JsonObject().put("maxFailures", 0));
    TestNodes.deploy(vertx, config, Component.QUERY, Component.METRICS, Component.RESTAURANTS, Component.USERS,
        Component.ANALYTICS, Component.HTTP);
    node.execute("INSERT INTO users (email, display_name) VALUES ('guard@example.com', 'Guard')");
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    node.close();
  }

  @TestFactory
  Stream<DynamicTest> everyOperation_answersByScope() throws IOException {
    List<Operation> operations = operations();
    assertThat(operations).extracting(Operation::scope).containsAll(List.of(Scope.values()));
    return operations.stream().map(op -> DynamicTest.dynamicTest(op.toString(), () -> {
      if (op.scope() == null) {
        assertThat(send(op, null).statusCode()).as("%s without a token", op).isNotIn(401, 403);
        return;
      }
      String label = op.scope().label();
      HttpResponse<Buffer> anonymous = send(op, null);
      assertThat(anonymous.statusCode()).as("%s without a token", op).isEqualTo(401);
      assertThat(anonymous.getHeader("WWW-Authenticate")).as("%s challenge", op).startsWith("Bearer")
          .contains("scope=\"" + label + "\"");
      assertThat(anonymous.getHeader("Content-Type")).startsWith("application/problem+json");

      HttpResponse<Buffer> wrong = send(op, ONLY.get(op.scope()) + "x");
      assertThat(wrong.statusCode()).as("%s with a wrong token", op).isEqualTo(401);
      assertThat(wrong.getHeader("WWW-Authenticate")).contains("invalid_token");

      HttpResponse<Buffer> lacking = send(op, ALL_BUT.get(op.scope()));
      assertThat(lacking.statusCode()).as("%s with a token holding every other scope", op).isEqualTo(403);
      assertThat(lacking.bodyAsJsonObject().getString("detail")).as("%s names the scope", op).contains(label)
          .doesNotContain(ALL_BUT.get(op.scope()));
      assertThat(lacking.getHeader("WWW-Authenticate")).contains("insufficient_scope", "scope=\"" + label + "\"");

      HttpResponse<Buffer> allowed = send(op, ONLY.get(op.scope()));
      assertThat(allowed.statusCode()).as("%s with its scope passes the guard: %s", op, allowed.bodyAsString())
          .isNotIn(401, 403, 405, 429);
      if (allowed.statusCode() == 404) {
        assertThat(allowed.bodyAsString()).as("%s: a 404 from the service, not from the router", op)
            .doesNotContain("no such resource");
      }
    }));
  }

  private static HttpResponse<Buffer> send(Operation op, String token) throws Exception {
    HttpRequest<Buffer> request = client.request(HttpMethod.valueOf(op.method().toUpperCase(Locale.ROOT)), op.uri())
        .putHeader("Content-Type", "application/json");
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    boolean body = !"delete".equals(op.method()) && !"get".equals(op.method());
    return (body ? request.sendBuffer(Buffer.buffer("{}")) : request.send()).await(10, TimeUnit.SECONDS);
  }

  /**
   * Every documented operation with the scope it declares. Writes, user reads, /admin, /metrics
   * and /status/data routes must declare one; every other operation must not (restaurant reads,
   * reports, the health probes and the status page's files are public).
   */
  @SuppressWarnings("unchecked")
  private static List<Operation> operations() throws IOException {
    Map<String, Object> document;
    try (Reader reader = Files.newBufferedReader(DOCUMENT)) {
      document = new Yaml().load(reader);
    }
    List<Operation> operations = new ArrayList<>();
    Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
    paths.forEach((path, item) -> item.forEach((method, value) -> {
      if (!(value instanceof Map<?, ?> operation) || "parameters".equals(method)) {
        return;
      }
      boolean guarded = !"get".equals(method) || path.startsWith("/admin") || path.startsWith("/metrics")
          || path.startsWith("/api/v1/users") || path.startsWith("/api/v1/analytics/users")
          || path.equals("/status/data");
      Object security = operation.get("security");
      assertThat(security != null).as("%s %s: a security requirement exactly when guarded", method, path)
          .isEqualTo(guarded);
      Scope scope = null;
      if (guarded) {
        List<String> scopes = (List<String>) ((Map<String, Object>) ((List<Object>) security).get(0)).get("bearer");
        assertThat(scopes).as("%s %s names one scope", method, path).hasSize(1);
        scope = Scope.parse(scopes.get(0));
        assertThat(scope).as("%s %s: a known scope", method, path).isNotNull();
      }
      operations.add(new Operation(method, path, scope));
    }));
    return operations;
  }
}
