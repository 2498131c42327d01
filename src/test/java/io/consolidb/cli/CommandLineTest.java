package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The commands an operator runs, executed in-process. Variables are passed as system properties,
 * which the configuration reads exactly like environment variables.
 */
class CommandLineTest {

  private final CommandRun cli = new CommandRun();

  private int run(String... args) {
    return cli.run(args);
  }

  private void set(String name, String value) {
    cli.set(name, value);
  }

  @AfterEach
  void restore() {
    cli.restore();
  }

  private String stdout() {
    return cli.stdout();
  }

  private String stderr() {
    return cli.stderr();
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
    cli.clearOutput();
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
    set("REDIS_ALLOW_PLAINTEXT", "true"); // the Redis rule comes first; this test is about tokens
    set("API_TOKEN", "CHANGE_ME");
    assertThat(run("check", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(stderr()).contains("http.apiToken (API_TOKEN)", "shorter than 32").doesNotContain("CHANGE_ME");
    cli.clearOutput();
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
    cli.clearOutput();
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
