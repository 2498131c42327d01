package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.AccessTokens;
import io.consolidb.config.AuthLimits;
import io.consolidb.config.Scope;
import io.consolidb.config.TokenGrant;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guard in front of a route, on a real router (no services), and the key failed
 * authentications are counted under.
 */
class AuthenticatorTest {

  private static final String READER = "reader-token-5b7e90c1d2";
  private static final String WRITER = "writer-token-a84c2f6e13";

  private static BareRouter routes;

  @BeforeAll
  static void start() throws Exception {
    // no token of this node holds admin
    Authenticator guard = new Authenticator(new AccessTokens(List.of(
        new TokenGrant("reader", READER, EnumSet.of(Scope.USERS_READ)),
        new TokenGrant("writer", WRITER, EnumSet.of(Scope.USERS_READ, Scope.USERS_WRITE)))),
        new FailedAuthentications(new AuthLimits(100, 60, 60, 1000), new SimpleMeterRegistry()));
    routes = BareRouter.serving(router -> {
      for (Scope scope : List.of(Scope.USERS_READ, Scope.USERS_WRITE, Scope.ADMIN)) {
        router.get("/" + scope.label()).handler(guard.require(scope)).handler(ctx -> ctx.json(new JsonObject()
            .put("principal", ctx.<String>get(Authenticator.PRINCIPAL))
            .put("write", Authenticator.holds(ctx, Scope.USERS_WRITE))
            .put("admin", Authenticator.holds(ctx, Scope.ADMIN))));
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    routes.close();
  }

  private static HttpResponse<Buffer> get(Scope scope, String token) {
    HttpRequest<Buffer> request = routes.request(HttpMethod.GET, "/" + scope.label());
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return Await.result(request.send());
  }

  @Test
  void aTokenWithTheScope_passes_andTheRouteSeesWhatElseItHolds() {
    HttpResponse<Buffer> reader = get(Scope.USERS_READ, READER);
    assertThat(reader.statusCode()).isEqualTo(200);
    assertThat(reader.bodyAsJsonObject()).isEqualTo(new JsonObject().put("principal", "reader").put("write", false)
        .put("admin", false));
    HttpResponse<Buffer> writer = get(Scope.USERS_READ, WRITER);
    assertThat(writer.bodyAsJsonObject()).isEqualTo(new JsonObject().put("principal", "writer").put("write", true)
        .put("admin", false));
  }

  @Test
  void aScopeNoTokenHolds_isOff_403_beforeAnyTokenIsLookedAt() {
    for (String token : new String[] {null, READER, "not-a-token"}) {
      HttpResponse<Buffer> response = get(Scope.ADMIN, token);
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.bodyAsJsonObject().getString("detail"))
          .isEqualTo("no token of this node holds the scope admin: these routes are off");
      assertThat(response.getHeader("WWW-Authenticate")).isNull();
    }
  }

  @Test
  void noToken_401_withAChallengeNamingTheScope() {
    HttpResponse<Buffer> response = get(Scope.USERS_WRITE, null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"consolidb\", scope=\"users.write\"");
  }

  @Test
  void anUnknownToken_401_invalidToken_neverEchoed() {
    HttpResponse<Buffer> response = get(Scope.USERS_WRITE, "unknown-token-0f3a");
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"consolidb\", error=\"invalid_token\"");
    assertThat(response.bodyAsString()).doesNotContain("unknown-token-0f3a");
  }

  @Test
  void aValidTokenWithoutTheScope_403_insufficientScope() {
    HttpResponse<Buffer> response = get(Scope.USERS_WRITE, READER);
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.bodyAsJsonObject().getString("detail")).isEqualTo("the token lacks the scope users.write");
    assertThat(response.getHeader("WWW-Authenticate"))
        .isEqualTo("Bearer realm=\"consolidb\", error=\"insufficient_scope\", scope=\"users.write\"");
    assertThat(response.bodyAsString()).doesNotContain(READER);
  }

  @Test
  void clientKey_ipv4AsItIs() {
    assertThat(Authenticator.clientKey("203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(Authenticator.clientKey(null)).isEqualTo("unknown");
    assertThat(Authenticator.clientKey("")).isEqualTo("unknown");
  }

  @Test
  void clientKey_ipv6ByItsSlash64() {
    assertThat(Authenticator.clientKey("2001:db8:1:2:aaaa::1")).isEqualTo("2001:db8:1:2::/64");
    assertThat(Authenticator.clientKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        .as("any address of the same /64").isEqualTo("2001:db8:1:2::/64");
    assertThat(Authenticator.clientKey("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3::/64");
    assertThat(Authenticator.clientKey("0:0:0:0:0:0:0:1")).isEqualTo("0:0:0:0::/64");
    assertThat(Authenticator.clientKey("::1")).as("a colon first").isEqualTo("0:0:0:0::/64");
  }

  @Test
  void clientKey_anIpv4AddressInIpv6Form_isOneHost_andNonAddressesAreNeverLookedUp() {
    assertThat(Authenticator.clientKey("::ffff:203.0.113.7")).isEqualTo("::ffff:203.0.113.7");
    assertThat(Authenticator.clientKey("::ffff:203.0.113.8")).isEqualTo("::ffff:203.0.113.8");
    // a name is taken as it is: resolving it would block the event loop on DNS
    assertThat(Authenticator.clientKey("db:internal")).isEqualTo("db:internal");
    assertThat(Authenticator.clientKey("1:2:3:4:5:6:7:8:9")).isEqualTo("1:2:3:4:5:6:7:8:9");
  }
}
