package io.consolidb.user.impl;

import static io.consolidb.service.InputCheck.invalid;
import static io.consolidb.user.UserLimits.*;

import io.consolidb.service.InputCheck;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the arguments of the user service before any SQL runs. Each check throws a
 * {@link ServiceException} 400 whose debug info names the parameter; messages never quote an
 * e-mail address (they reach logs and HTTP clients).
 */
final class UserValidator {

  private static final Set<String> WRITABLE = Set.of("email", "display_name", "home_city", "preferences");
  private static final Set<String> READ_ONLY = Set.of("id", "created_at", "updated_at");
  /** Local part, one @, a domain with a dot; no spaces. Deliverability is not ours to judge. */
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s.]+(\\.[^@\\s.]+)+");

  private UserValidator() {
  }

  static long id(String name, long id) {
    return InputCheck.positiveId(name, id);
  }

  /** The {@code INSERT} parameters {@code [email, display_name, home_city, preferences]}. */
  static JsonArray newUser(JsonObject user) {
    if (user == null) {
      throw invalid("user", "a user object is required");
    }
    InputCheck.refuseUnknown(user, WRITABLE, READ_ONLY);
    if (user.getValue("email") == null) {
      throw invalid("email", "missing required field: email");
    }
    Object preferences = user.getValue("preferences");
    return JsonArray.of(
        email(user.getValue("email")),
        text("display_name", user.getValue("display_name"), MAX_DISPLAY_NAME_LENGTH),
        text("home_city", user.getValue("home_city"), MAX_HOME_CITY_LENGTH),
        preferences == null ? null : preferences(preferences));
  }

  /** The {@code UPDATE} patch: the given fields normalized; null clears an optional field. */
  static JsonObject changes(JsonObject changes) {
    if (changes == null || changes.isEmpty()) {
      throw invalid("changes", "changes must name at least one field to update");
    }
    InputCheck.refuseUnknown(changes, WRITABLE, READ_ONLY);
    JsonObject patch = new JsonObject();
    if (changes.containsKey("email")) {
      if (changes.getValue("email") == null) {
        throw invalid("email", "email cannot be cleared");
      }
      patch.put("email", email(changes.getValue("email")));
    }
    if (changes.containsKey("display_name")) {
      patch.put("display_name", text("display_name", changes.getValue("display_name"), MAX_DISPLAY_NAME_LENGTH));
    }
    if (changes.containsKey("home_city")) {
      patch.put("home_city", text("home_city", changes.getValue("home_city"), MAX_HOME_CITY_LENGTH));
    }
    if (changes.containsKey("preferences")) {
      Object value = changes.getValue("preferences");
      patch.put("preferences", value == null ? null : preferencePatch(value));
    }
    return patch;
  }

  /** The address of a lookup by e-mail, stripped, under the rules of a stored one (400 otherwise). */
  static String lookupEmail(String value) {
    if (value == null) {
      throw invalid("email", "missing required field: email");
    }
    return email(value);
  }

  private static String email(Object value) {
    if (!(value instanceof String s)) {
      throw invalid("email", "email must be a string");
    }
    String email = s.strip();
    if (email.length() > MAX_EMAIL_LENGTH) {
      throw invalid("email", "email must be at most " + MAX_EMAIL_LENGTH + " characters");
    }
    if (!EMAIL.matcher(email).matches()) {
      // never echo the value: an address is personal data
      throw invalid("email", "email is not a valid e-mail address");
    }
    return email;
  }

  /** Optional text, stripped; blank becomes null. */
  private static String text(String name, Object value, int maxLength) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw invalid(name, name + " must be a string");
    }
    String stripped = s.strip();
    if (stripped.length() > maxLength) {
      throw invalid(name, name + " must be at most " + maxLength + " characters, got " + stripped.length());
    }
    return stripped.isEmpty() ? null : stripped;
  }

  /** A full preferences object for a new user: null values dropped. */
  private static JsonObject preferences(Object value) {
    JsonObject patch = preferencePatch(value);
    JsonObject stored = new JsonObject();
    patch.forEach(entry -> {
      if (entry.getValue() != null) {
        stored.put(entry.getKey(), entry.getValue());
      }
    });
    return stored;
  }

  /** A preferences merge patch: known keys, valid values, null kept (it removes the key). */
  private static JsonObject preferencePatch(Object value) {
    if (!(value instanceof JsonObject preferences)) {
      throw invalid("preferences", "preferences must be a JSON object");
    }
    List<String> unknown = new ArrayList<>();
    for (String key : preferences.fieldNames()) {
      if (!PREFERENCE_KEYS.contains(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      unknown.sort(null);
      throw invalid("preferences", "preferences has unknown keys: "
          + String.join(", ", InputCheck.clip(unknown))
          + "; allowed: " + String.join(", ", PREFERENCE_KEYS));
    }
    JsonObject patch = new JsonObject();
    if (preferences.containsKey("kosher_category")) {
      Object category = preferences.getValue("kosher_category");
      if (category != null && !(category instanceof String s
          && KOSHER_CATEGORIES.contains(s.strip().toLowerCase(Locale.ROOT)))) {
        throw invalid("preferences", "preferences.kosher_category must be one of "
            + String.join(", ", KOSHER_CATEGORIES));
      }
      patch.put("kosher_category", category == null ? null : ((String) category).strip().toLowerCase(Locale.ROOT));
    }
    if (preferences.containsKey("price_range")) {
      Object range = preferences.getValue("price_range");
      if (range != null && !(range instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
          && n.doubleValue() >= MIN_PRICE_RANGE && n.doubleValue() <= MAX_PRICE_RANGE)) {
        throw invalid("preferences", "preferences.price_range must be an integer between "
            + MIN_PRICE_RANGE + " and " + MAX_PRICE_RANGE);
      }
      patch.put("price_range", range == null ? null : ((Number) range).intValue());
    }
    return patch;
  }
}
