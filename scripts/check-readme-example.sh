#!/usr/bin/env bash
# Checks that README.md's "Usage" code is the code examples/consumer runs: the first ```java block after the heading
# "## Usage" must equal, line for line, the lines between the markers `// README "Usage" begins` and `ends` in
# examples/consumer/src/main/java/example/ReadmeUsage.java (after removing the common indentation). Also checks that
# the library version in pom.xml, in the consumer's pom and in README's "Installation" section agree.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - README.md examples/consumer/src/main/java/example/ReadmeUsage.java pom.xml examples/consumer/pom.xml <<'PY'
import re, sys, textwrap
readme_path, java_path, pom_path, consumer_pom_path = sys.argv[1:]
readme = open(readme_path).read()
usage = readme.split("\n## Usage\n", 1)
if len(usage) != 2:
    sys.exit(f"{readme_path}: no '## Usage' section")
block = re.search(r"```java\n(.*?)```", usage[1], re.S)
if not block:
    sys.exit(f"{readme_path}: no java code block in '## Usage'")
java = open(java_path).read()
region = re.search(r'\n[ \t]*// README "Usage" begins\n(.*?)\n[ \t]*// README "Usage" ends\n', java, re.S)
if not region:
    sys.exit(f'{java_path}: markers // README "Usage" begins / ends not found')
readme_lines = textwrap.dedent(block.group(1)).rstrip("\n").split("\n")
java_lines = textwrap.dedent(region.group(1)).rstrip("\n").split("\n")
if readme_lines != java_lines:
    import difflib
    sys.stderr.writelines(difflib.unified_diff([l + "\n" for l in readme_lines], [l + "\n" for l in java_lines],
                                               readme_path + " (## Usage)", java_path))
    sys.exit("README's Usage code and the consumer's code differ: change both")

def project_version(pom):
    text = re.sub(r"<parent>.*?</parent>", "", open(pom).read(), flags=re.S)
    return re.search(r"<artifactId>superloss-dl4j</artifactId>\s*<version>([^<]+)</version>", text).group(1)
version = project_version(pom_path)
consumer = re.search(r"<superloss.version>([^<]+)</superloss.version>", open(consumer_pom_path).read()).group(1)
installation = readme.split("\n## Installation\n", 1)
if len(installation) != 2:
    sys.exit(f"{readme_path}: no '## Installation' section")
named = re.search(r"<artifactId>superloss-dl4j</artifactId>\s*<version>([^<]+)</version>", installation[1])
if not named:
    sys.exit(f"{readme_path}: '## Installation' shows no superloss-dl4j dependency")
if not (version == consumer == named.group(1)):
    sys.exit(f"superloss-dl4j versions differ: pom.xml {version}, {consumer_pom_path} {consumer}, "
             f"README Installation {named.group(1)}")
print(f"README example OK: Usage code = {java_path} ({len(java_lines)} lines), version {version} everywhere")
PY
