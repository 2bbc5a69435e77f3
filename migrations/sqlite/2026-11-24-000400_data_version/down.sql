DROP TABLE regwatch_data_version;
