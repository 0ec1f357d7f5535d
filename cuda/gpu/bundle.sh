#!/usr/bin/env bash
# Builds gpu-bundle/ (ignored by git): what a lent GPU machine needs to run the cuda backend and its
# tests without Maven, Hadoop or a JDK of its own -- a jlink'd Java runtime (jre.tgz), the lean
# classpath (features, collector, datasets' plain classes, the cuda backend, JCuda for linux-x86_64,
# Jackson, JUnit) and the cuda module's test classes. About 50 MB. Then, on the GPU machine, from the
# repository root: OUT=somewhere cuda/gpu/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mvn -B -q install -pl cuda -am -DskipTests
mvn -B -q dependency:build-classpath -pl cuda -Dmdep.includeScope=test -Dmdep.outputFile="$root/cuda/target/gpu-cp.txt"
rm -rf gpu-bundle
mkdir -p gpu-bundle/lib
# everything the cuda module's classpath has except the Parquet/Hadoop stack (rows travel as a row log)
tr ':' '\n' <cuda/target/gpu-cp.txt \
  | grep -v -E '/(parquet-|hadoop-|jts-core|javax\.annotation|snappy-java|aircompressor|commons-pool|zstd-jni|slf4j-|commons-logging|jsr305|progressbar|jline-)' \
  | while read -r j; do cp "$j" gpu-bundle/lib/; done
cp cuda/target/accessplan-cuda-*.jar gpu-bundle/lib/
jar --create --file gpu-bundle/lib/accessplan-cuda-tests.jar -C cuda/target/test-classes .
jlink --add-modules java.base,java.desktop,java.sql,java.logging,java.management,jdk.unsupported,java.xml,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output gpu-bundle/jre
tar czf gpu-bundle/jre.tgz -C gpu-bundle jre
rm -rf gpu-bundle/jre
git rev-parse HEAD >gpu-bundle/commit 2>/dev/null || true
du -sh gpu-bundle
