module lifeboat/tools/goprintable

go 1.19
