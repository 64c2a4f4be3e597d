# shellcheck shell=bash
# Sourced by the project's scripts: finds a JDK 21+, exports JAVA_HOME and JAVA, and sets JAVA_MAJOR.
# Order: $JAVA_HOME when it is 21+, then the newest 21+ under /usr/lib/jvm, then `java` on PATH.

java_major() {
  # Prints the major version of the java binary $1, or nothing when it does not run.
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(java_major "$JAVA_HOME/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      best="$JAVA_HOME"; best_major=$major
    fi
  fi
  if [ -z "$best" ]; then
    for candidate in /usr/lib/jvm/*; do
      [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
      major=$(java_major "$candidate/bin/java")
      if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
        best="$candidate"; best_major=$major
      fi
    done
  fi
  if [ -z "$best" ] && command -v java >/dev/null 2>&1; then
    major=$(java_major "$(command -v java)")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      best=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")"); best_major=$major
    fi
  fi
  if [ -z "$best" ]; then
    echo "error: Loom Cluster needs a JDK 21 or newer (virtual threads)." >&2
    echo "       None found in JAVA_HOME, /usr/lib/jvm/* or on PATH. Install one (e.g. apt-get install openjdk-21-jdk)" >&2
    echo "       or point JAVA_HOME at it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export JAVA="$best/bin/java"
  # shellcheck disable=SC2034 # read by the scripts that source this file
  JAVA_MAJOR=$best_major
}
