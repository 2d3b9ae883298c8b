"""Scotland's 32 councils, as the Organisations sheet is prefilled."""

COUNCILS = (
    "Aberdeen City Council", "Aberdeenshire Council", "Angus Council", "Argyll and Bute Council",
    "City of Edinburgh Council", "Clackmannanshire Council", "Comhairle nan Eilean Siar",
    "Dumfries and Galloway Council", "Dundee City Council", "East Ayrshire Council",
    "East Dunbartonshire Council", "East Lothian Council", "East Renfrewshire Council", "Falkirk Council",
    "Fife Council", "Glasgow City Council", "Highland Council", "Inverclyde Council", "Midlothian Council",
    "Moray Council", "North Ayrshire Council", "North Lanarkshire Council", "Orkney Islands Council",
    "Perth and Kinross Council", "Renfrewshire Council", "Scottish Borders Council", "Shetland Islands Council",
    "South Ayrshire Council", "South Lanarkshire Council", "Stirling Council", "West Dunbartonshire Council",
    "West Lothian Council",
)
