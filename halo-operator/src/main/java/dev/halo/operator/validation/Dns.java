package dev.halo.operator.validation;

import dev.halo.api.v1alpha1.CelRules;
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

  static final String DNS_SUBDOMAIN_RULE =
      "at most 253 lowercase letters, digits, '-' or '.', in parts that start and end with a"
          + " letter or digit";
  static final String SERVER_NAME_RULE =
      "a host name or IPv4 address: letters, digits, '-' and '.', in parts that start and end"
          + " with a letter or digit";

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(CelRules.DNS_SUBDOMAIN);
  private static final Pattern SERVER_NAME = Pattern.compile(CelRules.SERVER_NAME);
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

  private Dns() {}

  /** A DNS-1123 subdomain, the format of Secret names. */
  static boolean isDnsSubdomain(String value) {
    return value.length() <= CelRules.MAX_DNS_SUBDOMAIN && DNS_SUBDOMAIN.matcher(value).find();
  }

  static boolean isServerName(String value) {
    return value.length() <= CelRules.MAX_DNS_SUBDOMAIN && SERVER_NAME.matcher(value).find();
  }

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
