package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Main;
import io.consolidb.testsupport.TestServices;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The commands an operator runs, executed in-process. Variables are passed as system properties,
 * which the configuration reads exactly like environment variables.
 */
class CommandLineTest {

  private final Map<String, String> previous = new HashMap<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new CommandLine(new Main()).execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  private void set(String name, String value) {
    previous.putIfAbsent(name, System.getProperty(name));
    System.setProperty(name, value);
  }

  @AfterEach
  void restore() {
    previous.forEach((name, value) -> {
      if (value == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, value);
      }
    });
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("check connects to PostgreSQL and Redis, reports both and exits 0")
  void check_allReachable() {
    set("DATABASE_URL", TestServices.databaseUrl());
    set("REDIS_URL", TestServices.redisUrl());
    int code = run("check", "--env", "testing");
    assertThat(code).as(stdout() + stderr()).isZero();
    assertThat(stdout()).contains("config      OK", "postgresql  OK", "redis       OK", "earthdistance")
        .doesNotContain(":consolidb@");
  }

  @Test
  @DisplayName("check exits non-zero and says which dependency failed when PostgreSQL is unreachable")
  void check_postgresUnreachable() {
    set("DATABASE_URL", "postgresql://consolidb:hunter2@127.0.0.1:1/consolidb");
    set("REDIS_URL", TestServices.redisUrl());
    int code = run("check", "--env", "testing");
    assertThat(code).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(stdout()).contains("postgresql  FAIL postgresql://consolidb:****@127.0.0.1:1/consolidb")
        .contains("redis       OK").doesNotContain("hunter2");
  }

  @Test
  @DisplayName("check exits non-zero when Redis is unreachable")
  void check_redisUnreachable() {
    set("DATABASE_URL", TestServices.databaseUrl());
    set("REDIS_URL", "redis://127.0.0.1:1");
    assertThat(run("check", "--env", "testing")).isEqualTo(ConfigOptions.DEPENDENCY_FAILED);
    assertThat(stdout()).contains("redis       FAIL redis://127.0.0.1:1");
  }

  @Test
  @DisplayName("an impossible value stops every command with exit code 2 and one line naming the key")
  void invalidConfiguration_oneLine() {
    set("DB_POOL_SIZE", "0");
    assertThat(run("check")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr().strip())
        .isEqualTo("invalid configuration: database.pool.size (DB_POOL_SIZE) = 0: must be at least 1");
    err.reset();
    assertThat(run("run")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr().strip().lines()).hasSize(1);
  }

  @Test
  @DisplayName("LOG_FORMAT other than text or json stops the node with exit code 2 and says so")
  void invalidLogFormat_oneLine() {
    set("LOG_FORMAT", "xml");
    assertThat(run("check")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr().strip()).isEqualTo("invalid configuration: LOG_FORMAT = xml: must be text or json");
  }

  @Test
  @DisplayName("production refuses to start without TLS to PostgreSQL")
  void run_productionWithoutTls() {
    set("DATABASE_URL", "postgresql://app:pw@127.0.0.1:5432/app");
    set("REDIS_URL", "rediss://127.0.0.1:6391"); // Redis's own production rule is checked first
    assertThat(run("run", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr()).contains("database.url (DATABASE_URL)", "TLS").doesNotContain(":pw@");
  }

  @Test
  @DisplayName("production refuses a placeholder or short token, naming the variable and never the token")
  void productionWithWeakTokens_refusedByRunAndCheck() {
    set("DATABASE_URL", "postgresql://app:pw@127.0.0.1:5432/app?sslmode=verify-full");
    set("API_TOKEN", "CHANGE_ME");
    assertThat(run("check", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr()).contains("http.apiToken (API_TOKEN)", "shorter than 32").doesNotContain("CHANGE_ME");
    err.reset();
    set("API_TOKEN", "0123456789abcdef0123456789abcdef0123456789abcdef");
    set("HTTP_TOKENS", "billing:users.read:Change-Me-Please-ChangeMe-Please-1234");
    assertThat(run("run", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr()).contains("http.tokens (HTTP_TOKENS)", "entry 'billing'", "placeholder")
        .doesNotContain("Change-Me-Please");
    assertThat(stderr().strip().lines()).hasSize(1);
  }

  @Test
  @DisplayName("token --http prints a random 64-hex-digit token, or a whole HTTP_TOKENS entry with its scopes")
  void tokenHttp_randomTokenOrEntry() {
    assertThat(run("token", "--http")).isZero();
    String first = stdout().strip();
    assertThat(first).matches("[0-9a-f]{64}");
    out.reset();
    assertThat(run("token", "--http", "--subject", "billing", "--scopes", "users.read,METRICS")).isZero();
    String entry = stdout().strip();
    assertThat(entry).matches("billing:users\\.read,metrics:[0-9a-f]{64}");
    assertThat(entry).doesNotEndWith(first);
    assertThat(run("token", "--http", "--subject", "billing", "--scopes", "users.delete"))
        .isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr()).contains("unknown: users.delete", "users.read");
    assertThat(run("token")).as("a caller token still needs a subject").isEqualTo(ConfigOptions.INVALID_CONFIG);
  }

  @Test
  @DisplayName("an unknown environment is refused")
  void run_unknownEnvironment() {
    assertThat(run("check", "--env", "qa")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr()).contains("CONSOLIDB_ENV", "'qa'");
  }
}
