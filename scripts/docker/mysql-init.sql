-- One database per subgraph (DESIGN.md: each region owns its data). Runs once, on an empty volume.
CREATE DATABASE IF NOT EXISTS mente_national CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS mente_sichuan_panzhihua CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS mente_guangdong_yunfu CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
GRANT ALL PRIVILEGES ON mente_national.* TO 'mente'@'%';
GRANT ALL PRIVILEGES ON mente_sichuan_panzhihua.* TO 'mente'@'%';
GRANT ALL PRIVILEGES ON mente_guangdong_yunfu.* TO 'mente'@'%';
