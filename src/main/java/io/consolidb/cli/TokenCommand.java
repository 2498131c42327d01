package io.consolidb.cli;

import io.consolidb.cluster.CallerTokens;
import io.consolidb.cluster.CallerTokens.Role;
import io.consolidb.config.NodeSettings;
import io.consolidb.config.Scope;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prints a caller token for an application that calls consolidb's services over the clustered
 * event bus (docs/CLIENT.md): signed with {@code CLUSTER_SECRET}, so the application is given the
 * token, never the secret. Exit 2 without a secret. With {@code --http}, prints instead a fresh
 * random bearer token for the HTTP API (256 bits from {@link SecureRandom}, hex), as an
 * {@code HTTP_TOKENS} entry when {@code --scopes} is given (docs/SECURITY.md).
 */
@Command(name = "token", description = "Print a caller token for an application that calls the services over the event bus,"
    + " or with --http a random bearer token for the HTTP API.")
public final class TokenCommand implements Callable<Integer> {

  static final int MAX_DAYS = 366;

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = "--subject", paramLabel = "NAME",
      description = "Who the token is for (shown in logs), e.g. billing-service. Required but with --http.")
  String subject;

  @Option(names = "--http", description = "Print a random bearer token for the HTTP API instead (no secret needed).")
  boolean http;

  @Option(names = "--scopes", paramLabel = "SCOPES", split = ",",
      description = "With --http and --subject: print a whole HTTP_TOKENS entry with these scopes, e.g. users.read,users.write.")
  List<String> scopes = List.of();

  @Option(names = "--ttl-hours", paramLabel = "HOURS", defaultValue = "24",
      description = "How long the token is valid (default ${DEFAULT-VALUE}, at most 8784).")
  long ttlHours;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() {
    if (http) {
      return httpToken();
    }
    if (subject == null || subject.isBlank()) {
      err.println("token: --subject is required for a caller token");
      return ConfigOptions.INVALID_CONFIG;
    }
    NodeSettings settings = config.load(Map.of());
    if (settings == null) {
      return ConfigOptions.INVALID_CONFIG;
    }
    if (settings.cluster().secret().isEmpty()) {
      err.println("token: CLUSTER_SECRET is not set: there is nothing to sign the token with");
      return ConfigOptions.INVALID_CONFIG;
    }
    if (ttlHours < 1 || ttlHours > MAX_DAYS * 24L || subject.isBlank()) {
      err.println("token: --ttl-hours must be from 1 to " + MAX_DAYS * 24 + " and --subject not blank");
      return ConfigOptions.INVALID_CONFIG;
    }
    Vertx vertx = Vertx.vertx();
    try {
      out.println(new CallerTokens(vertx, settings.cluster().secret(), "token-command")
          .mint(subject.strip(), Role.CALLER, Duration.ofHours(ttlHours)));
      return 0;
    } finally {
      vertx.close();
    }
  }
  /** A random HTTP token, or a whole {@code name:scope,scope:token} entry with --subject and --scopes. */
  private int httpToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String token = HexFormat.of().formatHex(bytes);
    if (scopes.isEmpty()) {
      out.println(token);
      return 0;
    }
    List<String> unknown = scopes.stream().filter(name -> Scope.parse(name) == null).toList();
    if (subject == null || !subject.strip().matches("[A-Za-z0-9_.-]{1,64}") || !unknown.isEmpty()) {
      err.println("token: --scopes needs --subject (letters, digits, '.', '_', '-') and known scopes ("
          + Scope.names() + ")" + (unknown.isEmpty() ? "" : "; unknown: " + String.join(", ", unknown)));
      return ConfigOptions.INVALID_CONFIG;
    }
    String labels = scopes.stream().map(name -> Scope.parse(name).label()).distinct()
        .reduce((a, b) -> a + "," + b).orElseThrow();
    out.println(subject.strip() + ":" + labels + ":" + token);
    return 0;
  }
}
