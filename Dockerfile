# Lifeboat as a container image: the Native AOT binary on a slim Debian base.
#
#   docker build -t lifeboat .                                  # registry images (defaults below)
#   docker build --build-arg SDK_IMAGE=local/dotnet-sdk:10.0 \
#                --build-arg RUNTIME_IMAGE=local/debian:bookworm-slim -t lifeboat .   # local base images
#   BINARIES=prebuilt: no SDK stage; the binary comes from .build/image/ (tools/test-image builds it there)
#
# The base images are build arguments so that a machine without a registry can pass local ones
# (tools/make-base-image makes the runtime base from Debian's packages).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG BINARIES=build

FROM ${SDK_IMAGE} AS build
# Native AOT links with clang and needs zlib's headers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props ./
COPY src/ src/
# x86-64-v2 runs on every x86-64 CPU .NET 10 supports (an Atom or Celeron NAS too); v3 needs AVX2 (Haswell, Zen).
# Never "native": the image runs on machines other than the one that built it.
ARG INSTRUCTION_SET=x86-64-v2
RUN dotnet publish src/Lifeboat.Cli/Lifeboat.Cli.csproj -c Release -r linux-x64 \
      -p:PublishAot=true -p:IlcInstructionSet=${INSTRUCTION_SET} -o /out --nologo \
 && rm -f /out/*.pdb /out/*.dbg

# A binary built outside (BuildKit skips the stage not used, so this one needs no SDK image and the other no .build/).
FROM scratch AS prebuilt
COPY .build/image/lifeboat .build/image/libe_sqlite3.so /out/

FROM ${BINARIES} AS binaries

FROM ${RUNTIME_IMAGE}
# libssl3: .NET's SHA-256, AES and RNG go through OpenSSL, loaded at run time (ldd does not show it; without it
# `init` dies). libzstd1: native zstd, also loaded at run time (without it a slower managed zstd runs).
# git: doctor's secrets-in-git check. tzdata: schedule time zones and local times in listings.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libssl3 libzstd1 ca-certificates tzdata git \
 && rm -rf /var/lib/apt/lists/*
# libe_sqlite3.so (SQLite for `consistency: sqlite` and the state database) must stay beside the binary.
COPY --from=binaries /out/lifeboat /out/libe_sqlite3.so /opt/lifeboat/
RUN ln -s /opt/lifeboat/lifeboat /usr/local/bin/lifeboat \
 && groupadd --system --gid 10001 lifeboat \
 && useradd --system --uid 10001 --gid lifeboat --home-dir /var/lib/lifeboat --shell /usr/sbin/nologin lifeboat \
 && install -d -o lifeboat -g lifeboat -m 0700 /var/lib/lifeboat /var/cache/lifeboat
# Run history and restore-test records (doctor reads them) and the cache of a remote repository: volumes, so that
# they outlive the container.
ENV LIFEBOAT_STATE_DIR=/var/lib/lifeboat \
    RESTIC_CACHE_DIR=/var/cache/lifeboat
VOLUME ["/var/lib/lifeboat", "/var/cache/lifeboat"]
# Root by default: backing up app data owned by many users, restoring their ownership, and the Docker socket need
# it. Where the data is readable by uid 10001 and no container is stopped, run with `--user lifeboat`.
EXPOSE 8420
ENTRYPOINT ["lifeboat"]
CMD ["daemon", "--config", "/config/lifeboat.yaml", "--listen", "0.0.0.0:8420"]
