package dev.halo.operator.validation;

import java.util.regex.Pattern;

/** The Kubernetes name and label value formats that Halo's names must fit. */
final class Dns {
  static final int MAX_LABEL_LENGTH = 63;

  static final String LABEL_RULE =
      "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  static final String DNS_1123_RULE =
      "at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit";
  static final String DNS_1035_RULE =
      "at most 63 lowercase letters, digits or '-', starting with a letter and ending with a"
          + " letter or digit";

  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

  private Dns() {}

  static boolean isLabelValue(String value) {
    return fits(LABEL_VALUE, value);
  }

  static boolean isDns1123Label(String value) {
    return fits(DNS_1123_LABEL, value);
  }

  static boolean isDns1035Label(String value) {
    return fits(DNS_1035_LABEL, value);
  }

  private static boolean fits(Pattern pattern, String value) {
    return value.length() <= MAX_LABEL_LENGTH && pattern.matcher(value).matches();
  }
}
