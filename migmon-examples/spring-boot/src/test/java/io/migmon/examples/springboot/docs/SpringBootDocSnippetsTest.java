package io.migmon.examples.springboot.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every java block of docs/spring-boot.md is in {@link SpringBootDocSnippets}, whitespace aside, and shows its
 * imports: the block's {@code import} lines are imports of the snippet class, its code is verbatim in the class, and
 * every type the code uses that the class imports is imported in the block too.
 */
class SpringBootDocSnippetsTest {

    private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s+(static\\s+)?([\\w.]+)\\s*;\\s*$");

    @Test
    void everyJavaBlockOfSpringBootMdIsCompiledHereAndShowsItsImports() throws Exception {
        String file = Files.readString(Path.of("src/test/java/io/migmon/examples/springboot/docs/SpringBootDocSnippets.java"));
        String source = file.replaceAll("\\s+", "");
        List<String> classImports = imports(file);
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("../../docs/spring-boot.md")));
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String block = m.group(1);
            List<String> blockImports = imports(block);
            String code = IMPORT.matcher(block).replaceAll("");
            assertThat(source).as("docs/spring-boot.md block not in SpringBootDocSnippets:%n%s", block)
                    .contains(code.replaceAll("\\s+", "").replace("@Serviceclass", "@Servicestaticclass"));
            assertThat(classImports).as("imports of a docs/spring-boot.md block that SpringBootDocSnippets does not have")
                    .containsAll(blockImports);
            for (String imported : classImports) {
                String simple = imported.substring(imported.lastIndexOf('.') + 1);
                if (Pattern.compile("\\b" + Pattern.quote(simple) + "\\b").matcher(code).find()) {
                    assertThat(blockImports).as("a docs/spring-boot.md block uses %s without showing its import:%n%s", simple, block)
                            .contains(imported);
                }
            }
        }
        assertThat(blocks).isPositive();
    }

    static List<String> imports(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = IMPORT.matcher(source);
        while (m.find()) {
            out.add(m.group(2));
        }
        return out;
    }
}
