package io.consolidb.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The file form of every configuration variable: {@code NAME_FILE} names a file whose content is
 * {@code NAME}'s value. Secrets mounted as files (Kubernetes, Docker) stay out of
 * {@code /proc/PID/environ}, child processes and tools that print a pod's environment. As with
 * Docker secrets and the postgres image, whitespace at the end of the file (the newline of
 * {@code echo} or {@code kubectl create secret --from-file}) is stripped and nothing else changes.
 *
 * <p>A variable set to the empty string counts as unset here, as in the postgres image: setting
 * both forms to non-empty values is an error naming both, never a value. An empty file is an empty
 * value, judged by the variable's own validation. Errors name the variable and the path, never the
 * content. Files are read once, while the configuration loads (off the event loops: see
 * {@link ConfigLoader#load}); a rotated file takes effect at the next start.
 */
final class VariableFiles {

  static final int MAX_BYTES = 64 * 1024;

  private VariableFiles() {
  }

  /**
   * The path {@code NAME_FILE} names, or null when the value comes from {@code NAME} (or nowhere).
   * Fails when both are set.
   */
  static String path(ConfigVariable variable, Map<String, String> variables) {
    String file = variables.get(variable.fileVariable());
    if (file == null || file.isEmpty()) {
      return null;
    }
    String direct = variables.get(variable.name());
    if (direct != null && !direct.isEmpty()) {
      throw new InvalidConfigException(variable.key(), variable.name() + ", " + variable.fileVariable(),
          "both are set; set only one of them");
    }
    return file;
  }

  /** The content of {@code file}, trailing whitespace stripped. */
  static String read(ConfigVariable variable, String file) {
    Path path;
    try {
      path = Path.of(file);
    } catch (InvalidPathException e) {
      throw invalid(variable, file, "not a valid path");
    }
    if (Files.isDirectory(path)) {
      throw invalid(variable, file, "a directory, not a file");
    }
    if (!Files.exists(path)) {
      throw invalid(variable, file, "file not found");
    }
    if (!Files.isRegularFile(path)) {
      throw invalid(variable, file, "not a regular file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_BYTES + 1); // bounded even if the file grows while it is read
    } catch (IOException e) {
      // the exception's own text is left out: a library may one day quote what it read
      throw invalid(variable, file, "file not readable");
    }
    if (bytes.length > MAX_BYTES) {
      throw invalid(variable, file, "file larger than " + MAX_BYTES / 1024 + " KiB");
    }
    try {
      // strict: a binary file (a key store mounted by mistake) is refused rather than garbled
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString().stripTrailing();
    } catch (CharacterCodingException e) {
      throw invalid(variable, file, "file is not UTF-8 text");
    }
  }

  /** An error about {@code NAME_FILE}'s file: names the variable and the path, never the content. */
  static InvalidConfigException invalid(ConfigVariable variable, String file, String reason) {
    return new InvalidConfigException(variable.key(), variable.fileVariable(), file, reason);
  }
}
