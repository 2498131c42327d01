package io.consolidb.cluster;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.serviceproxy.AuthenticationInterceptor;
import io.vertx.serviceproxy.ServiceInterceptor;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The credential every call over the clustered event bus carries: an HS256 JWT signed with the
 * cluster secret, in the {@value #HEADER} header that the generated proxies set
 * ({@code ServiceProxyBuilder.setToken}) and vertx-service-proxy's {@link AuthenticationInterceptor}
 * reads. Members sign their own short-lived tokens ({@link #memberToken()}, role {@code member});
 * other applications get a caller token from an operator ({@code consolidb token}, role
 * {@code caller}) and never see the secret.
 *
 * <p>Why a JWT and not the event bus's TLS alone: a certificate says a peer may connect, not
 * what it may do. Client applications that call the services get certificates too, but only
 * members may publish cache invalidations, and a token can be given a lifetime and revoked by
 * rotating the secret without reissuing certificates (docs/CLUSTER.md).
 */
public final class CallerTokens {

  /** The header the proxies send and the interceptor checks. */
  public static final String HEADER = "auth-token";
  /** The claim that says what the token's holder is. */
  static final String ROLE = "consolidb_role";
  /** How long a member's own token lives; it signs a fresh one at half that age. */
  static final Duration MEMBER_TTL = Duration.ofMinutes(10);
  /** Clocks of members and callers may disagree by this much. */
  static final int LEEWAY_SECONDS = 30;

  /** What a token's holder is: another member of the cluster, or an application calling the services. */
  public enum Role { MEMBER, CALLER }

  private final JWTAuth jwt;
  private final String memberName;
  private volatile String memberToken;
  private volatile long memberTokenRenewAt;

  /**
   * @param secret the cluster secret (at least 32 characters)
   * @param memberName the subject of this member's own tokens (its host and event-bus port)
   */
  public CallerTokens(Vertx vertx, String secret, String memberName) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret))
        .setJWTOptions(new JWTOptions().setLeeway(LEEWAY_SECONDS).setIssuer("consolidb")
            .setAudience(List.of("consolidb"))));
    this.memberName = memberName;
  }

  /** A token for {@code subject} with {@code role}, valid for {@code ttl}. */
  public String mint(String subject, Role role, Duration ttl) {
    return jwt.generateToken(new JsonObject().put(ROLE, role.name().toLowerCase(Locale.ROOT)),
        new JWTOptions().setAlgorithm("HS256").setSubject(subject).setIssuer("consolidb")
            .setAudience(List.of("consolidb")).setExpiresInSeconds((int) ttl.toSeconds()));
  }

  /** This member's own token, signed again once half its life has gone. */
  public String memberToken() {
    long now = System.currentTimeMillis();
    String token = memberToken;
    if (token == null || now >= memberTokenRenewAt) {
      token = mint(memberName, Role.MEMBER, MEMBER_TTL);
      memberToken = token;
      memberTokenRenewAt = now + MEMBER_TTL.toMillis() / 2;
    }
    return token;
  }

  /** The holder of a valid token in {@code headers}; fails with 401 when there is none or it is not valid. */
  public Future<User> verify(MultiMap headers) {
    String token = headers.get(HEADER);
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 401, "missing caller token"));
    }
    return jwt.authenticate(new TokenCredentials(token)).recover(failure -> Future.failedFuture(
        new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 401, "invalid caller token")));
  }

  /** Succeeds when {@code headers} carry a valid member token (what cache invalidations need). */
  public Future<Void> verifyMember(MultiMap headers) {
    return verify(headers).compose(user -> "member".equals(user.principal().getString(ROLE))
        ? Future.succeededFuture()
        : Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 403, "not a cluster member")));
  }

  /** The interceptor every service published on the event bus runs first: no valid token, no call. */
  public ServiceInterceptor serviceInterceptor() {
    return AuthenticationInterceptor.create(jwt);
  }

  /**
   * Signs what this Vert.x sends to {@code addresses} (the clustered services, cache
   * invalidations) with the member token, unless the sender set a token of its own. Replies and
   * node-local addresses are left alone: they never leave the process.
   */
  public void signOutgoing(Vertx vertx, Set<String> addresses) {
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      var message = delivery.message();
      if (addresses.contains(message.address()) && !message.headers().contains(HEADER)) {
        message.headers().add(HEADER, memberToken());
      }
      delivery.next();
    });
  }
}
