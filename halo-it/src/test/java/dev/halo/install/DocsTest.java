package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README.md stays a front page, and README.md, CHANGELOG.md and docs/ cite only what exists: every
 * relative link resolves (to a file, and to a heading when it names one), and every repository path
 * quoted in backticks is there.
 */
class DocsTest {
  private static final Path README = Path.of("README.md");
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern CODE = Pattern.compile("`([^`\\s]+)`");

  /** A path into the repository: a top-level directory of ours, and no placeholder or glob. */
  private static final Pattern REPO_PATH =
      Pattern.compile("(halo-[a-z]+|deploy|helm|crds|docs)/[A-Za-z0-9_./-]*");

  @Test
  void readmeIsAFrontPageOfAtMost200Lines() throws IOException {
    assertThat(Files.readAllLines(README))
        .as("README.md is the front page; move details into docs/")
        .hasSizeLessThanOrEqualTo(200);
  }

  @Test
  void everyRelativeLinkResolves() {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      Matcher m = LINK.matcher(withoutCode(read(page)));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // https:, mailto: and the like
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(page + ": " + target + " (no " + resolved + ")");
        } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
          broken.add(page + ": " + target + " (no such heading in " + resolved + ")");
        }
      }
    }
    assertThat(broken).as("links that lead nowhere").isEmpty();
  }

  @Test
  void everyQuotedRepositoryPathExists() {
    List<String> missing = new ArrayList<>();
    for (Path page : pages()) {
      Matcher m = CODE.matcher(read(page));
      while (m.find()) {
        String path = m.group(1);
        if (REPO_PATH.matcher(path).matches()
            && !path.contains("/target/")
            && !Files.exists(Path.of(path))) {
          missing.add(page + ": `" + path + "`");
        }
      }
    }
    assertThat(missing).as("paths quoted in the docs that the repository does not have").isEmpty();
  }

  private static List<Path> pages() {
    List<Path> pages = new ArrayList<>(List.of(README, Path.of("CHANGELOG.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pages;
  }

  /** The anchors GitHub gives a page's headings. */
  private static Set<String> anchors(Path page) {
    if (!page.toString().endsWith(".md")) {
      return Set.of();
    }
    return read(page)
        .lines()
        .filter(l -> l.startsWith("#"))
        .map(l -> l.replaceFirst("^#+\\s*", ""))
        .map(h -> h.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'))
        .collect(Collectors.toSet());
  }

  /** The text outside code blocks and code spans, where a link is a link. */
  private static String withoutCode(String markdown) {
    return markdown.replaceAll("(?s)```.*?```", "").replaceAll("`[^`]*`", "");
  }

  private static String read(Path page) {
    try {
      return Files.readString(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
