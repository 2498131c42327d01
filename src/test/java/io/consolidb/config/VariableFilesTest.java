package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code NAME_FILE}: every variable read from a file, with real files. */
class VariableFilesTest {

  private static final String TOKEN = "File-Token-6c1e0b9d2f4a8e3c7b5d";

  @TempDir
  Path dir;

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private static JsonObject overrides(String... pairs) {
    Map<String, String> variables = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      variables.put(pairs[i], pairs[i + 1]);
    }
    return ConfigLoader.overrides(variables);
  }

  private static String apiToken(JsonObject overrides) {
    return overrides.getJsonObject("http").getString("apiToken");
  }

  @Test
  void overrides_fileContentIsTheValue_trailingNewlineStripped() throws IOException {
    Path token = file("API_TOKEN", TOKEN + "\n");
    Path pool = file("DB_POOL_SIZE", "12\n");
    Path echo = file("DB_ECHO", "false\n");

    JsonObject overrides = overrides("API_TOKEN_FILE", token.toString(), "DB_POOL_SIZE_FILE", pool.toString(),
        "DB_ECHO_FILE", echo.toString());

    assertThat(apiToken(overrides)).isEqualTo(TOKEN);
    assertThat(overrides.getJsonObject("database").getJsonObject("pool").getInteger("size")).isEqualTo(12);
    assertThat(overrides.getJsonObject("database").getBoolean("echo")).isFalse();
  }

  @Test
  void overrides_crlfAndTrailingBlanksStripped_restKeptAsWritten() throws IOException {
    assertThat(apiToken(overrides("API_TOKEN_FILE", file("crlf", TOKEN + "\r\n").toString()))).isEqualTo(TOKEN);
    assertThat(apiToken(overrides("API_TOKEN_FILE", file("blanks", TOKEN + " \t\n\n").toString()))).isEqualTo(TOKEN);
    // a multi-line value (HTTP_TOKENS entries one a line) and leading blanks are the operator's
    Path lines = file("HTTP_TOKENS", "  a:metrics:" + TOKEN + "\nb:admin:" + TOKEN + "-2\n");
    assertThat(overrides("HTTP_TOKENS_FILE", lines.toString()).getJsonObject("http").getString("tokens"))
        .isEqualTo("  a:metrics:" + TOKEN + "\nb:admin:" + TOKEN + "-2");
  }

  @Test
  void overrides_symlinkedFile_isFollowed() throws IOException {
    // Kubernetes mounts each key of a Secret as a symlink into a ..data directory
    Path target = file("real", TOKEN + "\n");
    Path link = Files.createSymbolicLink(dir.resolve("API_TOKEN"), target);
    assertThat(apiToken(overrides("API_TOKEN_FILE", link.toString()))).isEqualTo(TOKEN);
  }

  @Test
  void overrides_bothSet_namesBothVariablesAndNoValue() throws IOException {
    Path token = file("API_TOKEN", TOKEN + "-from-file\n");
    assertThatThrownBy(() -> overrides("API_TOKEN", TOKEN, "API_TOKEN_FILE", token.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: http.apiToken (API_TOKEN, API_TOKEN_FILE): both are set; set only one of them")
        .message().doesNotContain(TOKEN);
  }

  @Test
  void overrides_emptyFormCountsAsUnset() throws IOException {
    Path token = file("API_TOKEN", TOKEN + "\n");
    assertThat(apiToken(overrides("API_TOKEN", "", "API_TOKEN_FILE", token.toString()))).isEqualTo(TOKEN);
    assertThat(apiToken(overrides("API_TOKEN", TOKEN, "API_TOKEN_FILE", ""))).isEqualTo(TOKEN);
  }

  @Test
  void overrides_missingFile_namesVariableAndPath() {
    String missing = dir.resolve("nowhere/API_TOKEN").toString();
    assertThatThrownBy(() -> overrides("API_TOKEN_FILE", missing))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: http.apiToken (API_TOKEN_FILE) = '" + missing + "': file not found");
  }

  @Test
  void overrides_directory_refused() {
    assertThatThrownBy(() -> overrides("CLUSTER_SECRET_FILE", dir.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: cluster.secret (CLUSTER_SECRET_FILE) = '" + dir + "': a directory, not a file");
  }

  @Test
  void overrides_fileOver64KiB_refusedWithoutContent_64KiBAccepted() throws IOException {
    Path limit = file("limit", "x".repeat(VariableFiles.MAX_BYTES));
    assertThat(apiToken(overrides("API_TOKEN_FILE", limit.toString()))).hasSize(64 * 1024);

    Path large = file("large", TOKEN.repeat(64 * 1024 / TOKEN.length() + 1));
    assertThatThrownBy(() -> overrides("API_TOKEN_FILE", large.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: http.apiToken (API_TOKEN_FILE) = '" + large + "': file larger than 64 KiB")
        .message().doesNotContain(TOKEN);
  }

  @Test
  void overrides_unreadableFile_refusedWithoutContent() throws IOException {
    Path unreadable = file("API_TOKEN", TOKEN);
    Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
    if (Files.isReadable(unreadable)) {
      // root reads whatever the mode says; on Linux /proc/self/mem is a regular file every read of which fails
      unreadable = Path.of("/proc/self/mem");
      assumeTrue(Files.isRegularFile(unreadable), "no unreadable regular file on this system");
    }
    String path = unreadable.toString();
    assertThatThrownBy(() -> overrides("API_TOKEN_FILE", path))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: http.apiToken (API_TOKEN_FILE) = '" + path + "': file not readable");
  }

  @Test
  void overrides_emptyFile_isAnEmptyValue_judgedByTheVariable() throws IOException {
    Path empty = file("empty", "");
    assertThat(apiToken(overrides("API_TOKEN_FILE", empty.toString()))).isEmpty();
    assertThat(apiToken(overrides("API_TOKEN_FILE", file("newline", "\n").toString()))).isEmpty();
    assertThatThrownBy(() -> overrides("DB_POOL_SIZE_FILE", empty.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("invalid configuration: database.pool.size (DB_POOL_SIZE_FILE) = '" + empty
            + "': the file's content must be an integer");
  }

  @Test
  void overrides_badContent_namesTheFileNeverTheContent() throws IOException {
    Path pool = file("DB_POOL_SIZE", "twelve-" + TOKEN + "\n");
    assertThatThrownBy(() -> overrides("DB_POOL_SIZE_FILE", pool.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("(DB_POOL_SIZE_FILE) = '" + pool + "'")
        .message().doesNotContain(TOKEN);
    Path binary = Files.write(dir.resolve("keystore"), new byte[] {(byte) 0xfe, (byte) 0xed, (byte) 0xfe, (byte) 0xed});
    assertThatThrownBy(() -> overrides("API_TOKEN_FILE", binary.toString()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageEndingWith("': file is not UTF-8 text");
  }

  @Test
  @DisplayName("a secret read from a file is remembered and scrubbed from log text like one from its variable")
  void load_secretFromFile_isKnownAndScrubbed() throws IOException {
    String secret = "Cluster-File-Secret-93b1d7f0a2c4e6";
    String password = "Db-File-Pw-5e2a91";
    Path clusterSecret = file("CLUSTER_SECRET", secret + "\n");
    Path databaseUrl = file("DATABASE_URL", "postgresql://app:" + password + "@127.0.0.1:1/app\n");

    NodeSettings settings = TestSettings.load("CLUSTER_SECRET_FILE", clusterSecret.toString(),
        "DATABASE_URL_FILE", databaseUrl.toString());

    assertThat(settings.database().maskedUrl()).isEqualTo("postgresql://app:****@127.0.0.1:1/app");
    assertThat(KnownSecrets.known()).contains(secret, password);
    assertThat(KnownSecrets.scrub("member attestation " + secret + " refused; auth failed for " + password))
        .isEqualTo("member attestation **** refused; auth failed for ****");
  }

  @Test
  @DisplayName("a production error about a token read from a file names the variable, never the token")
  void load_weakTokenFromFile_errorShowsNoToken() throws IOException {
    String weak = "changeme-changeme-changeme-changeme";
    Path token = file("API_TOKEN", weak + "\n");
    Map<String, String> variables = new HashMap<>(Map.of("CONSOLIDB_ENV", "production",
        "DATABASE_URL", "postgresql://app:pw@db.internal:5432/app?sslmode=verify-full",
        "DB_SSL_ROOT_CERT", file("ca.pem", "").toString(), "REDIS_ALLOW_PLAINTEXT", "true",
        "API_TOKEN_FILE", token.toString()));
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(variables))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("http.apiToken (API_TOKEN)")
        .message().doesNotContain(weak);
  }

  @Test
  void isKnown_acceptsEveryVariableAndItsFileForm() {
    assertThat(ConfigVariable.ALL).allSatisfy(v -> {
      assertThat(ConfigVariable.isKnown(v.name())).isTrue();
      assertThat(ConfigVariable.isKnown(v.name() + "_FILE")).isTrue();
    });
    assertThat(ConfigVariable.isKnown("DATABASE_URL_FILE")).isTrue();
    assertThat(ConfigVariable.isKnown("DATABASE_URI_FILE")).isFalse();
    assertThat(ConfigVariable.isKnown("_FILE")).isFalse();
    assertThat(ConfigVariable.isKnown("API_TOKEN_FILE_FILE")).isFalse();
    assertThat(ConfigVariable.isKnown(null)).isFalse();
  }
}
