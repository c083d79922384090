# kommunbot: a multi-stage build. The first stage compiles with the full Rust toolchain;
# the runtime image is Debian slim with the binary, the bundled FAQ and the default config.
#   docker build -t kommunbot .
#   docker run -e DISCORD_TOKEN=… -p 8080:8080 -v kommunbot-data:/var/lib/kommunbot kommunbot
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock kommunbot.toml ./
COPY src src
COPY migrations migrations
COPY glossary glossary
RUN cargo build --release --locked && strip target/release/kommunbot

FROM debian:bookworm-slim
# CA certificates for Discord's TLS; a system user without a login shell.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/kommunbot --create-home --shell /usr/sbin/nologin kommunbot
COPY --from=build /src/target/release/kommunbot /usr/local/bin/kommunbot
# The FAQ is writable by the service: staff edit it from Discord. Mount a git checkout of
# your own FAQ here to replace the bundled one.
COPY --chown=kommunbot:kommunbot faq /srv/kommunbot/faq
COPY kommunbot.toml /etc/kommunbot/kommunbot.toml
# Listen on every interface inside the container; publish the port to choose who reaches it.
ENV KOMMUNBOT_FAQ=/srv/kommunbot/faq \
    KOMMUNBOT_DATA=/var/lib/kommunbot \
    KOMMUNBOT_HTTP=0.0.0.0:8080
USER kommunbot
WORKDIR /var/lib/kommunbot
VOLUME ["/var/lib/kommunbot"]
EXPOSE 8080
# SIGTERM (docker stop) disconnects from Discord and flushes the question log.
STOPSIGNAL SIGTERM
ENTRYPOINT ["kommunbot", "--config", "/etc/kommunbot/kommunbot.toml", "serve"]
