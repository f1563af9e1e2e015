package io.migmon.examples.springboot.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every java block of docs/spring-boot.md is in {@link SpringBootDocSnippets}, whitespace aside. */
class SpringBootDocSnippetsTest {

    @Test
    void everyJavaBlockOfSpringBootMdIsCompiledHere() throws Exception {
        String source = Files.readString(Path.of("src/test/java/io/migmon/examples/springboot/docs/SpringBootDocSnippets.java"))
                .replaceAll("\\s+", "");
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("../../docs/spring-boot.md")));
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String block = m.group(1).replaceAll("\\s+", "").replace("@Serviceclass", "class");
            assertThat(source).as("docs/spring-boot.md block not in SpringBootDocSnippets:%n%s", m.group(1)).contains(block);
        }
        assertThat(blocks).isPositive();
    }
}
