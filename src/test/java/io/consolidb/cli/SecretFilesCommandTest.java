package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.TestServices;
import io.consolidb.testsupport.TlsRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands with every secret read from a file ({@code NAME_FILE}), as a Kubernetes pod with
 * the Secret mounted as files runs them: a production {@code check} against the TLS PostgreSQL and
 * the TLS Redis with its ACL user, and the configuration errors a wrong file gives (exit 2, one
 * line naming the variable, never a value).
 */
class SecretFilesCommandTest {

  private static final String API_TOKEN = "9f3c1a7e5b2d4068ac1e3f5a7b9d0c2e4f6a8b0c1d3e5f70";
  private static final String ADMIN_TOKEN = "4b8e2d6f0a1c3e5b7d9f1a3c5e7b9d0f2a4c6e8b0d1f3a5c";
  private static final String ENTRY_TOKEN = "c7a9e1b3d5f70a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f";
  private static final String CLUSTER_SECRET = "e5d3c1b9a7f5e3d1c9b7a5f3e1d9c7b5a3f1e9d7c5b3a1f0";
  private static final List<String> TOKENS = List.of(API_TOKEN, ADMIN_TOKEN, ENTRY_TOKEN, CLUSTER_SECRET);

  private final CommandRun cli = new CommandRun();

  @TempDir
  Path secrets;

  @AfterEach
  void restore() {
    cli.restore();
  }

  /** Writes {@code value} as kubectl create secret --from-file leaves it (with a final newline) and points NAME_FILE at it. */
  private Path secretFile(String name, String value) throws IOException {
    Path file = Files.writeString(secrets.resolve(name), value + "\n");
    cli.set(name + "_FILE", file.toString());
    return file;
  }

  private void productionSecretsInFiles() throws IOException {
    secretFile("DATABASE_URL", TestServices.tlsDatabaseUrl().replace("@127.0.0.1:", "@localhost:") + "?sslmode=verify-full");
    secretFile("REDIS_URL", TestServices.tlsRedisUrl());
    secretFile("API_TOKEN", API_TOKEN);
    secretFile("ADMIN_TOKEN", ADMIN_TOKEN);
    secretFile("HTTP_TOKENS", "billing:users.read,metrics:" + ENTRY_TOKEN);
    secretFile("CLUSTER_SECRET", CLUSTER_SECRET);
    cli.set("DB_SSL_ROOT_CERT", TestServices.tlsCa());
    cli.set("REDIS_TLS_CA", TestServices.redisTlsCa());
  }

  @Test
  @DisplayName("a production check with every secret in a file reaches PostgreSQL and Redis over verified TLS and shows no secret")
  void check_productionWithEverySecretInAFile() throws IOException {
    productionSecretsInFiles();

    int code = cli.run("check", "--env", "production");

    String output = cli.stdout() + cli.stderr();
    assertThat(code).as(output).isZero();
    assertThat(cli.stdout()).contains("config      OK   environment=production")
        .containsPattern("postgresql  OK .* tls=true")
        .contains("redis       OK   rediss://" + TlsRedis.user() + ":****@", "tls=verified");
    assertThat(output).doesNotContain(TlsRedis.password());
    TOKENS.forEach(token -> assertThat(output).doesNotContain(token));
  }

  @Test
  @DisplayName("a variable set both ways stops run, check and migrate with exit 2, naming both and no value")
  void bothSet_refusedByEveryCommand() throws IOException {
    productionSecretsInFiles();
    cli.set("API_TOKEN", API_TOKEN);
    for (String command : List.of("run", "check", "migrate")) {
      cli.clearOutput();
      assertThat(cli.run(command, "--env", "production")).as(command).isEqualTo(ConfigOptions.INVALID_CONFIG);
      assertThat(cli.stderr().strip()).as(command)
          .isEqualTo("invalid configuration: http.apiToken (API_TOKEN, API_TOKEN_FILE): both are set; set only one of them");
      assertThat(cli.stdout()).as(command).isEmpty();
    }
  }

  @Test
  @DisplayName("a missing secret file stops the node with exit 2 and one line naming the variable and the path")
  void missingFile_exit2() throws IOException {
    productionSecretsInFiles();
    Path missing = secrets.resolve("CLUSTER_SECRET");
    Files.delete(missing);
    assertThat(cli.run("check", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(cli.stderr().strip())
        .isEqualTo("invalid configuration: cluster.secret (CLUSTER_SECRET_FILE) = '" + missing + "': file not found");
  }

  @Test
  @DisplayName("a weak token read from a file is refused in production naming the variable, never the token")
  void weakTokenInFile_exit2WithoutTheToken() throws IOException {
    productionSecretsInFiles();
    secretFile("API_TOKEN", "Change-Me-Please-ChangeMe-Please-1234");
    assertThat(cli.run("run", "--env", "production")).isEqualTo(ConfigOptions.INVALID_CONFIG);
    assertThat(cli.stderr()).contains("http.apiToken (API_TOKEN)", "placeholder").doesNotContain("Change-Me-Please");
    assertThat(cli.stderr().strip().lines()).hasSize(1);
  }

  @Test
  @DisplayName("a command-line flag wins over the file form of the variable it sets")
  void commandLineFlag_overridesTheFileForm() throws IOException {
    secretFile("CLUSTER_HOST", "10.9.8.7");
    cli.set("CONSOLIDB_ENV", "testing");
    NodeSettings fromFile = new ConfigOptions().load(Map.of());
    NodeSettings fromFlag = new ConfigOptions().load(Map.of("CLUSTER_HOST", "127.0.0.1"));
    assertThat(fromFile.cluster().host()).isEqualTo("10.9.8.7");
    assertThat(fromFlag).as("no 'both set' error").isNotNull();
    assertThat(fromFlag.cluster().host()).isEqualTo("127.0.0.1");
  }
}
