package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * Every write and admin operation, read from docs/openapi.yaml (which OpenApiDocumentTest keeps
 * equal to the router), refuses a request without a token and a request with the other scope's
 * token with 401, and lets the right token through the guard. A new operation is covered as soon
 * as it is documented; a documented write or admin operation without a security requirement fails
 * here.
 */
class RouteGuardTest {

  private static final Path DOCUMENT = Path.of("docs/openapi.yaml");
  private static final String API_TOKEN = "route-guard-api-7f3c";
  private static final String ADMIN_TOKEN = "route-guard-admin-91ad";
  private static final Set<String> WRITES = Set.of("post", "put", "patch", "delete");

  private static Vertx vertx;
  private static WebClient client;

  /** One documented operation and the token scheme it requires. */
  private record Operation(String method, String path, String scheme) {
    String uri() {
      return path.replace("{id}", "1").replace("{restaurantId}", "1");
    }

    @Override
    public String toString() {
      return method.toUpperCase(Locale.ROOT) + " " + path + " (" + scheme + ")";
    }
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port)
            .put("apiToken", API_TOKEN).put("adminToken", ADMIN_TOKEN))
        .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:1/db").put("queryTimeoutMs", 200));
    // no services: a request the guard lets through fails later (503), which is all this test needs
    TestNodes.deploy(vertx, config, Component.HTTP);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @TestFactory
  Stream<DynamicTest> everyGuardedOperation_refusesAnonymousAndWrongScope() throws IOException {
    List<Operation> operations = guardedOperations();
    assertThat(operations).extracting(Operation::method).contains("post", "put", "patch", "delete");
    assertThat(operations).extracting(Operation::scheme).contains("bearer", "admin");
    return operations.stream().map(op -> DynamicTest.dynamicTest(op.toString(), () -> {
      String right = "admin".equals(op.scheme()) ? ADMIN_TOKEN : API_TOKEN;
      String wrong = "admin".equals(op.scheme()) ? API_TOKEN : ADMIN_TOKEN;

      HttpResponse<Buffer> anonymous = send(op, null);
      assertThat(anonymous.statusCode()).as("%s without a token", op).isEqualTo(401);
      assertThat(anonymous.getHeader("WWW-Authenticate")).as("%s challenge", op).startsWith("Bearer");
      assertThat(anonymous.getHeader("Content-Type")).startsWith("application/problem+json");

      assertThat(send(op, wrong).statusCode()).as("%s with the other scope's token", op).isEqualTo(401);
      assertThat(send(op, right + "x").statusCode()).as("%s with a wrong token", op).isEqualTo(401);
      assertThat(send(op, right).statusCode()).as("%s with its token passes the guard", op)
          .isNotIn(401, 403, 404, 405);
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

  /** Every documented operation that writes or sits under /admin, with the scheme it declares. */
  @SuppressWarnings("unchecked")
  private static List<Operation> guardedOperations() throws IOException {
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
      boolean guarded = WRITES.contains(method) || path.startsWith("/admin");
      Object security = operation.get("security");
      if (!guarded) {
        return;
      }
      assertThat(security).as("%s %s declares no security requirement", method, path).isNotNull();
      String scheme = ((Map<String, Object>) ((List<Object>) security).get(0)).keySet().iterator().next();
      operations.add(new Operation(method, path, scheme));
    }));
    return operations;
  }
}
