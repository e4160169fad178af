"""Fixed word lists for synthetic people and places.

Kept in the code (not Faker) so the same seed gives the same names on every machine and
every library version.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aisha", "Alice", "Amelia", "Amir", "Andrew", "Anna", "Arjun", "Ben", "Bethan", "Catherine",
    "Charlotte", "Chloe", "Chidi", "Claire", "Daniel", "David", "Deborah", "Eilidh", "Eleanor",
    "Emily", "Emma", "Farah", "Fiona", "Gareth", "Grace", "Hannah", "Harriet", "Harry", "Helen",
    "Imran", "Isla", "Jack", "James", "Jane", "Joanne", "John", "Joseph", "Karen", "Kate",
    "Kwame", "Laura", "Liam", "Lucy", "Mark", "Martin", "Mary", "Megan", "Michael", "Mohammed",
    "Naomi", "Neil", "Niamh", "Nicola", "Oliver", "Olivia", "Owen", "Paul", "Peter", "Priya",
    "Rachel", "Rebecca", "Rhys", "Richard", "Robert", "Rory", "Ruth", "Sarah", "Sean", "Sinead",
    "Sophie", "Stephen", "Susan", "Tariq", "Thomas", "Tom", "Victoria", "William", "Yusuf",
    "Zainab", "Zoe",
)

LAST_NAMES = (
    "Adams", "Ahmed", "Ali", "Allen", "Anderson", "Armstrong", "Bailey", "Baker", "Begum",
    "Bell", "Bennett", "Brown", "Campbell", "Carter", "Chapman", "Chen", "Clarke", "Collins",
    "Cooper", "Davies", "Dixon", "Edwards", "Evans", "Fletcher", "Foster", "Fraser", "Graham",
    "Green", "Griffiths", "Hall", "Harris", "Hughes", "Hussain", "Jackson", "James", "Jenkins",
    "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Lewis", "Lloyd", "MacDonald",
    "Marshall", "Martin", "Mason", "McLean", "Mitchell", "Moore", "Morgan", "Morris", "Murphy",
    "Murray", "Nwosu", "O'Brien", "Okafor", "Owen", "Parker", "Patel", "Phillips", "Price",
    "Quinn", "Rahman", "Reid", "Roberts", "Robertson", "Robinson", "Robson", "Rogers", "Scott",
    "Shah", "Singh", "Smith", "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
    "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
)

# Towns for synthetic sites, by region code, so a synthetic trust sits somewhere plausible.
TOWNS_BY_REGION = {
    "NENC": ("Durham", "Sunderland", "Middlesbrough", "Carlisle", "Gateshead"),
    "YH": ("Bradford", "Hull", "York", "Doncaster", "Huddersfield"),
    "NW": ("Preston", "Bolton", "Blackpool", "Lancaster", "Wigan"),
    "EM": ("Derby", "Lincoln", "Northampton", "Chesterfield", "Kettering"),
    "WM": ("Coventry", "Stoke-on-Trent", "Worcester", "Shrewsbury", "Walsall"),
    "EOE": ("Ipswich", "Peterborough", "Colchester", "Luton", "Chelmsford"),
    "NL": ("Harrow", "Enfield", "Barnet", "Hillingdon", "Romford"),
    "SL": ("Croydon", "Lewisham", "Kingston upon Thames", "Sutton", "Woolwich"),
    "SCEN": ("Reading", "Portsmouth", "Milton Keynes", "Basingstoke", "Winchester"),
    "SE": ("Brighton", "Maidstone", "Canterbury", "Crawley", "Tunbridge Wells"),
    "SWP": ("Truro", "Torquay", "Barnstaple", "Taunton", "Yeovil"),
    "SWC": ("Bath", "Gloucester", "Swindon", "Cheltenham", "Salisbury"),
    "WALES": ("Newport", "Wrexham", "Bangor", "Merthyr Tydfil", "Carmarthen"),
}

# Approximate town centres (latitude, longitude) for the synthetic sites on the national map.
TOWN_LOCATIONS = {
    "Durham": (54.776, -1.575), "Sunderland": (54.906, -1.383), "Middlesbrough": (54.574, -1.235),
    "Carlisle": (54.893, -2.936), "Gateshead": (54.952, -1.603),
    "Bradford": (53.795, -1.759), "Hull": (53.745, -0.336), "York": (53.960, -1.082),
    "Doncaster": (53.523, -1.133), "Huddersfield": (53.645, -1.785),
    "Preston": (53.763, -2.703), "Bolton": (53.578, -2.430), "Blackpool": (53.817, -3.036),
    "Lancaster": (54.047, -2.801), "Wigan": (53.545, -2.632),
    "Derby": (52.923, -1.476), "Lincoln": (53.230, -0.540), "Northampton": (52.240, -0.903),
    "Chesterfield": (53.235, -1.421), "Kettering": (52.398, -0.726),
    "Coventry": (52.407, -1.511), "Stoke-on-Trent": (53.003, -2.179),
    "Worcester": (52.192, -2.220), "Shrewsbury": (52.708, -2.754), "Walsall": (52.586, -1.982),
    "Ipswich": (52.057, 1.148), "Peterborough": (52.573, -0.241), "Colchester": (51.896, 0.892),
    "Luton": (51.878, -0.420), "Chelmsford": (51.736, 0.469),
    "Harrow": (51.580, -0.334), "Enfield": (51.652, -0.081), "Barnet": (51.653, -0.200),
    "Hillingdon": (51.534, -0.452), "Romford": (51.575, 0.183),
    "Croydon": (51.376, -0.098), "Lewisham": (51.452, -0.015),
    "Kingston upon Thames": (51.412, -0.300), "Sutton": (51.361, -0.194),
    "Woolwich": (51.490, 0.064),
    "Reading": (51.454, -0.978), "Portsmouth": (50.819, -1.088),
    "Milton Keynes": (52.041, -0.759), "Basingstoke": (51.266, -1.087),
    "Winchester": (51.063, -1.308),
    "Brighton": (50.822, -0.137), "Maidstone": (51.272, 0.529), "Canterbury": (51.280, 1.079),
    "Crawley": (51.109, -0.187), "Tunbridge Wells": (51.132, 0.263),
    "Truro": (50.263, -5.051), "Torquay": (50.462, -3.525), "Barnstaple": (51.080, -4.058),
    "Taunton": (51.015, -3.106), "Yeovil": (50.942, -2.633),
    "Bath": (51.381, -2.359), "Gloucester": (51.865, -2.238), "Swindon": (51.558, -1.782),
    "Cheltenham": (51.899, -2.078), "Salisbury": (51.069, -1.795),
    "Newport": (51.584, -2.998), "Wrexham": (53.046, -2.993), "Bangor": (53.228, -4.129),
    "Merthyr Tydfil": (51.749, -3.378), "Carmarthen": (51.857, -4.312),
}
